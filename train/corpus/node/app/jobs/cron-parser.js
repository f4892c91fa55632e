'use strict';
// Job scheduler (cron-parser).
const { CronExpressionParser } = require('cron-parser');
const EXPRS = ['*/15 9-17 * * 1-5', '0 0 1 * *', '30 2 * * 0', '0 12 L * *', '5 4 * * sun'];
module.exports.TASKS = [
  ['next', (e) => { const it = CronExpressionParser.parse(e, { currentDate: '2024-01-01T00:00:00Z', tz: 'UTC' }); return [it.next().toISOString(), it.next().toISOString(), it.prev().toISOString()]; }, EXPRS],
  ['fields', (e) => { const it = CronExpressionParser.parse(e); return [it.fields.hour.values.length, it.stringify()]; }, EXPRS],
];
