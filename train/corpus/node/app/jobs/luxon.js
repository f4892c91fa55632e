'use strict';
// Booking calendar (luxon).
const { DateTime, Duration, Interval, Info } = require('luxon');
const INPUTS = ['2024-03-31T01:30:00', '2023-11-05T01:15:00', '2024-02-29T23:59:59', '2021-01-01T00:00:00'];
module.exports.TASKS = [
  ['zone', (s) => DateTime.fromISO(s, { zone: 'Europe/Paris' }).setZone('America/New_York').toFormat('yyyy-LL-dd HH:mm ZZZZ'), INPUTS],
  ['math', (s) => { const d = DateTime.fromISO(s); return [d.plus({ months: 1, days: 1 }).toISODate(), d.startOf('week').toISO(), d.endOf('quarter').toISO(), d.diff(DateTime.fromISO('2020-01-01'), ['years', 'months', 'days']).toObject()]; }, INPUTS],
  ['parse', (s) => [DateTime.fromFormat(s.slice(0, 10), 'yyyy-MM-dd').toRFC2822(), DateTime.fromSQL(s.replace('T', ' ')).toMillis(), DateTime.fromISO(s).toRelative({ base: DateTime.fromISO('2024-06-01') })], INPUTS],
  ['interval', (s) => { const i = Interval.fromDateTimes(DateTime.fromISO(s), DateTime.fromISO(s).plus({ days: 10 })); return [i.splitBy({ days: 3 }).length, i.toDuration('hours').hours, i.contains(DateTime.fromISO(s).plus({ days: 2 })), Duration.fromISO('P1DT2H').shiftTo('minutes').toHuman(), Info.weekdays('short').length]; }, INPUTS],
];
