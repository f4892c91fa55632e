'use strict';
// Sign-up form checks (validator).
const v = require('validator');
const FORMS = [{ email: 'a.b+c@example.co.uk', url: 'https://x.org/p?q=1', ip: '192.168.0.1', card: '4111111111111111', date: '2024-02-29', iban: 'DE89370400440532013000' },
  { email: 'bad@', url: 'ftp//nope', ip: '2001:db8::1', card: '1234', date: '2023-02-30', iban: 'XX00' },
  { email: 'Üser@exämple.de', url: 'http://localhost:8080', ip: '999.1.1.1', card: '5500 0000 0000 0004', date: '01/02/2020', iban: 'GB82WEST12345698765432' }];
module.exports.TASKS = [
  ['checkForm', (f) => [v.isEmail(f.email), v.isURL(f.url, { require_tld: false }), v.isIP(f.ip), v.isCreditCard(f.card), v.isDate(f.date), v.isIBAN(f.iban)], FORMS],
  ['normalize', (f) => [v.normalizeEmail(f.email), v.escape(f.url), v.trim(` ${f.ip} `), v.toDate(f.date), v.blacklist(f.card, ' ')], FORMS],
  ['misc', (f) => [v.isUUID('a3bb189e-8bf9-3888-9912-ace4e6543002'), v.isJSON(JSON.stringify(f)), v.isStrongPassword(f.card), v.isMobilePhone('+4915112345678', 'de-DE'), v.isISO8601(f.date), v.isSlug(f.email), v.isFQDN(f.url)], FORMS],
];
