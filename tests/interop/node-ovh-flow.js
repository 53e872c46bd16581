// Usage: node node-ovh-flow.js "$(partner mock ovhcloud line)" with npm `ovh@2.0.3` installed.
// node-ovh (official Node.js SDK) whole flow against `partner mock ovhcloud`.
// The fake speaks plain HTTP on 127.0.0.1; node-ovh always uses https, so
// its transport is pointed at http (signing is unchanged: it signs https://host/path).
const http = require('http');
require('https').request = http.request;
const line = JSON.parse(process.argv[2]);
const u = new URL(line.base_url);
const make = (ck) => require('ovh')({
  appKey: line.application_key, appSecret: line.application_secret, consumerKey: ck,
  host: u.hostname, port: Number(u.port), basePath: '/1.0',
});
const assert = (cond, what) => { if (!cond) { console.log('FAIL ' + what); process.exitCode = 1; } else console.log('ok   ' + what); };
function post(url, body) {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    r.on('error', reject); r.end(body);
  });
}
(async () => {
  const app = make(null);
  const cred = await app.requestPromised('POST', '/auth/credential', {
    accessRules: [{ method: 'GET', path: '/me' }, { method: 'GET', path: '/domain/zone/*' }, { method: 'POST', path: '/domain/zone/*' }, { method: 'PUT', path: '/domain/zone/*' }, { method: 'DELETE', path: '/domain/zone/*' }],
  });
  assert(cred.state === 'pendingValidation' && cred.consumerKey, 'credential requested');
  const customer = make(cred.consumerKey);
  try { await customer.requestPromised('GET', '/me'); assert(false, 'pending key refused'); } catch (e) { assert(e.error === 403 && /not valid/.test(e.message), 'pending key refused: ' + e.message); }
  assert((await post(cred.validationUrl, 'action=authorize')) < 400, 'customer authorizes');
  const me = await customer.requestPromised('GET', '/me');
  assert(me.nichandle === 'xx1234-ovh', 'signed GET /me');
  const rec = await customer.requestPromised('POST', '/domain/zone/example.com/record', { fieldType: 'TXT', subDomain: 'héllo', target: 'ünïcode ✓ 🎉' });
  assert(rec.id && rec.target === 'ünïcode ✓ 🎉', 'POST with a non-ASCII JSON body');
  const ids = await customer.requestPromised('GET', '/domain/zone/example.com/record', { fieldType: 'TXT', subDomain: 'héllo' });
  assert(Array.isArray(ids) && ids.includes(rec.id), 'signed GET with query parameters');
  await customer.requestPromised('PUT', '/domain/zone/example.com/record/' + rec.id, { target: 'changed' });
  const got = await customer.requestPromised('GET', '/domain/zone/example.com/record/' + rec.id);
  assert(got.target === 'changed', 'PUT');
  await customer.requestPromised('DELETE', '/domain/zone/example.com/record/' + rec.id);
  try { await customer.requestPromised('GET', '/domain/zone/example.com/record/' + rec.id); assert(false, 'DELETE'); } catch (e) { assert(e.error === 404, 'DELETE then 404'); }
  try { await customer.requestPromised('GET', '/domain/zone'); assert(false, 'NOT_GRANTED_CALL'); } catch (e) { assert(e.error === 403 && /not been granted/.test(e.message), 'outside the rules: ' + e.message); }
  try { await customer.requestPromised('GET', '/auth/currentCredential'); assert(false, 'x'); } catch (e) { assert(e.error === 401, 'node-ovh does not sign /auth/*: 401 ' + e.message); }
  const wrong = require('ovh')({ appKey: line.application_key, appSecret: 'wrong-secret', consumerKey: cred.consumerKey, host: u.hostname, port: Number(u.port), basePath: '/1.0' });
  try { await wrong.requestPromised('GET', '/me'); assert(false, 'wrong secret'); } catch (e) { assert(e.error === 400 && /signature/i.test(e.message), 'wrong secret: ' + e.message); }
})().catch((e) => { console.log('FAIL unexpected', e); process.exitCode = 1; });
