// node-ovh (the official OVHcloud Node.js SDK, npm `ovh` 2.0.3) against
// `partner mock ovhcloud`, which this script starts itself, and node-ovh's
// own signing (signRequest, and the headers its request() builds) against
// `partner ovhcloud sign`.
//
// Contract (README.md): env PARTNER = the partner binary, NODE_PATH = the
// node_modules of package.json; no arguments; one line per check on stdout;
// exit 1 if any check failed.
//
// The fake speaks plain HTTP on 127.0.0.1; node-ovh always uses https, so
// its transport is pointed at http (signing is unchanged: it signs
// https://<host without port><path>, which the fake accepts).
'use strict';
const http = require('http');
const https = require('https');
const path = require('path');
const fs = require('fs');
const t = require('./lib/interop');

const realHttpsRequest = https.request;
https.request = http.request;
const Ovh = require('ovh');

function raw(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    r.setTimeout(10000, () => r.destroy(new Error('timeout')));
    r.on('error', reject);
    r.end(body);
  });
}
const form = (url, body) => raw('POST', url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

(async () => {
  const line = await t.startMock('ovhcloud');
  const BASE = line.base_url; // http://127.0.0.1:<port>/1.0
  const u = new URL(BASE);
  const AK = line.application_key;
  const AS = line.application_secret;
  const make = (ck, { secret = AS, basePath = '/1.0' } = {}) => Ovh({
    appKey: AK, appSecret: secret, consumerKey: ck, host: u.hostname, port: Number(u.port), basePath,
  });
  const refused = (status, re) => (e) => e.error === status && re.test(String(e.message));

  // --- credential request with rules, consent, validation ---
  const app = make(null);
  const cred = await app.requestPromised('POST', '/auth/credential', {
    accessRules: [
      { method: 'GET', path: '/me' }, { method: 'GET', path: '/v2/iam/resource' },
      { method: 'GET', path: '/domain/zone/*' }, { method: 'POST', path: '/domain/zone/*' },
      { method: 'PUT', path: '/domain/zone/*' }, { method: 'DELETE', path: '/domain/zone/*' },
    ],
  });
  const CK = cred.consumerKey;
  t.check(cred.state === 'pendingValidation' && CK && String(cred.validationUrl).startsWith(`http://${u.host}/auth/`),
    'credential requested with rules: pendingValidation', t.show(cred));
  const page = await raw('GET', cred.validationUrl);
  t.check(page.status === 200 && page.text.includes('<code>DELETE</code> <code>/domain/zone/*</code>') && page.text.includes('value="authorize"'),
    'consent page lists the rules and offers Authorize', `${page.status} ${page.text.slice(0, 200)}`);
  const customer = make(CK);
  await t.rejects(() => customer.requestPromised('GET', '/me'), 'pending key: 403 INVALID_CREDENTIAL ("not valid")', refused(403, /not valid/));
  const auth = await form(cred.validationUrl, 'action=authorize');
  t.check(auth.status === 200 && /granted/.test(auth.text), 'POST action=authorize to the validationUrl', `${auth.status}`);

  // --- signed calls ---
  await t.step('signed GET /me', async () => {
    const me = await customer.requestPromised('GET', '/me');
    return [me.nichandle === 'xx1234-ovh', t.show(me)];
  });
  const SUB = 'zoë &=~*+ 🎉';
  const TARGET = 'ünïcode ✓ 🎉';
  let rec = {};
  await t.step('POST with a non-ASCII + emoji JSON body', async () => {
    rec = await customer.requestPromised('POST', '/domain/zone/example.com/record', { fieldType: 'TXT', subDomain: SUB, target: TARGET });
    return [rec.id && rec.subDomain === SUB && rec.target === TARGET, t.show(rec)];
  });
  await t.step('signed GET with query parameters (&=~*+, non-ASCII, emoji)', async () => {
    const ids = await customer.requestPromised('GET', '/domain/zone/example.com/record', { fieldType: 'TXT', subDomain: SUB });
    return [t.show(ids) === t.show([rec.id]), t.show(ids)];
  });
  await t.step('signed GET with query parameters: a filter matching nothing gives []', async () => {
    const ids = await customer.requestPromised('GET', '/domain/zone/example.com/record', { subDomain: SUB + 'x' });
    return [t.show(ids) === '[]', t.show(ids)];
  });
  await t.step('PUT (then GET reads the change)', async () => {
    await customer.requestPromised('PUT', `/domain/zone/example.com/record/${rec.id}`, { target: 'changé ✓' });
    const got = await customer.requestPromised('GET', `/domain/zone/example.com/record/${rec.id}`);
    return [got.target === 'changé ✓', t.show(got)];
  });
  await t.step('DELETE', async () => {
    const out = await customer.requestPromised('DELETE', `/domain/zone/example.com/record/${rec.id}`);
    return [out === null, t.show(out)];
  });
  await t.rejects(() => customer.requestPromised('GET', `/domain/zone/example.com/record/${rec.id}`), 'GET after DELETE: 404', refused(404, /does not exist/));
  await t.step('signed GET on a /v2 path (basePath /v2, /iam/resource; time delta of the /1.0 client)', async () => {
    const v2 = make(CK, { basePath: '/v2' });
    v2.apiTimeDiff = customer.apiTimeDiff; // /auth/time is a /1.0 route: node-ovh would ask /v2/auth/time
    const res = await v2.requestPromised('GET', '/iam/resource');
    return [Array.isArray(res) && res.some((r) => r.id === 'example.com'), t.show(res)];
  });
  await t.rejects(() => customer.requestPromised('GET', '/domain/zone'), 'outside the rules: 403 NOT_GRANTED_CALL', refused(403, /not been granted/));
  await t.rejects(() => customer.requestPromised('GET', '/auth/currentCredential'),
    'node-ovh does not sign /auth/*: GET /auth/currentCredential answered 401', refused(401, /login/i));
  await t.rejects(() => make(CK, { secret: 'wrong-secret' }).requestPromised('GET', '/me'), 'wrong application secret: 400 INVALID_SIGNATURE', refused(400, /Invalid signature/));

  // --- the local clock 2 hours off: node-ovh signs with the /auth/time delta ---
  const realNow = Date.now;
  for (const offset of [7200, -7200]) {
    Date.now = () => realNow() + offset * 1000;
    try {
      const skewed = make(CK);
      await t.step(`local clock ${offset > 0 ? '+' : ''}${offset} s: signed GET /me still succeeds`, async () => {
        const me = await skewed.requestPromised('GET', '/me');
        return [me.nichandle === 'xx1234-ovh', t.show(me)];
      });
      t.check(Math.abs(skewed.apiTimeDiff + offset) <= 5, `local clock ${offset > 0 ? '+' : ''}${offset} s: apiTimeDiff from /auth/time is ${-offset}`, `apiTimeDiff ${skewed.apiTimeDiff}`);
      skewed.apiTimeDiff = 0; // control: without the delta the skewed clock is refused
      await t.rejects(() => skewed.requestPromised('GET', '/me'), `local clock ${offset > 0 ? '+' : ''}${offset} s without the delta: 400 QUERY_TIME_OUT`, refused(400, /out of time/));
    } finally {
      Date.now = realNow;
    }
  }

  // --- /auth/* signed by `partner ovhcloud sign` (node-ovh cannot): currentCredential, logout ---
  const signedRaw = async (method, url) => {
    const time = await raw('GET', `${BASE}/auth/time`);
    const ts = String(JSON.parse(time.text));
    const s = t.partner(['ovhcloud', 'sign', '--method', method, '--url', url, '--timestamp', ts,
      '--app-secret-env', 'IOP_OVH_AS', '--consumer-key-env', 'IOP_OVH_CK'], { IOP_OVH_AS: AS, IOP_OVH_CK: CK });
    if (s.code !== 0) throw new Error(`partner ovhcloud sign exited ${s.code}: ${s.stderr}`);
    return raw(method, url, { headers: { 'X-Ovh-Application': AK, 'X-Ovh-Consumer': CK, 'X-Ovh-Timestamp': ts, 'X-Ovh-Signature': s.stdout.trim() } });
  };
  await t.step('GET /auth/currentCredential signed by partner ovhcloud sign: validated, 6 rules', async () => {
    const r = await signedRaw('GET', `${BASE}/auth/currentCredential`);
    const body = JSON.parse(r.text);
    return [r.status === 200 && body.status === 'validated' && body.rules.length === 6, `${r.status} ${r.text}`];
  });
  await t.step('POST /auth/logout signed by partner ovhcloud sign', async () => {
    const r = await signedRaw('POST', `${BASE}/auth/logout`);
    return [r.status === 200, `${r.status} ${r.text}`];
  });
  await t.rejects(() => customer.requestPromised('GET', '/me'), 'after logout: 403 NOT_CREDENTIAL ("does not exist")', refused(403, /does not exist/));

  // --- a key the customer refused ---
  const cred2 = await app.requestPromised('POST', '/auth/credential', { accessRules: [{ method: 'GET', path: '/me' }] });
  const no = await form(cred2.validationUrl, 'action=refuse');
  t.check(no.status === 200 && /refused/.test(no.text), 'POST action=refuse to the validationUrl', `${no.status}`);
  await t.rejects(() => make(cred2.consumerKey).requestPromised('GET', '/me'), 'refused key: 403 INVALID_CREDENTIAL', refused(403, /not valid/));

  // --- node-ovh's signing vs `partner ovhcloud sign` on the shared cases ---
  const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'ovh-signing-cases.json'), 'utf8'));
  const secrets = { IOP_SIGN_AS: CASES.application_secret, IOP_SIGN_CK: CASES.consumer_key };
  const ours = (method, url, body, ts) => {
    const file = t.writeFile('case-body', body);
    return t.partner(['ovhcloud', 'sign', '--method', method, '--url', url, '--body-file', file, '--timestamp', String(ts),
      '--app-secret-env', 'IOP_SIGN_AS', '--consumer-key-env', 'IOP_SIGN_CK'], secrets);
  };
  // node-ovh's request() with https.request replaced by a capture: nothing is sent.
  const capture = (base, method, apiPath, data) => new Promise((resolve, reject) => {
    const b = new URL(base);
    const version = apiPath.startsWith('/v2/') ? '/v2' : '/1.0';
    const sdk = Ovh({ appKey: 'interop-ak', appSecret: CASES.application_secret, consumerKey: CASES.consumer_key, host: b.hostname, basePath: version });
    sdk.apiTimeDiff = 0; // never asks /auth/time
    const savedNow = Date.now;
    Date.now = () => CASES.timestamp * 1000;
    https.request = (options) => {
      let body = '';
      const fake = { write: (chunk) => { body += chunk; }, on: () => fake, end: () => resolve({ options, body }) };
      return fake;
    };
    try {
      sdk.request(method, apiPath.slice(version.length), data || {}, (err) => reject(new Error(`not captured: ${err}`)));
    } finally {
      https.request = http.request;
      Date.now = savedNow;
    }
  });
  for (const c of CASES.cases) {
    const base = c.base || CASES.base;
    const url = base + c.path;
    // A raw body, or an /auth path (which node-ovh's request() never signs):
    // its signing function itself.
    if ('raw_body' in c || c.path.includes('/auth')) {
      await t.step(`node-ovh signRequest == partner ovhcloud sign: ${c.what}`, () => {
        const sdk = Ovh({ appKey: 'interop-ak', appSecret: CASES.application_secret, consumerKey: CASES.consumer_key });
        const body = c.raw_body || '';
        const theirs = sdk.signRequest(c.method, url, body, CASES.timestamp);
        const r = ours(c.method, url, body, CASES.timestamp);
        const ok = r.code === 0 && r.stdout.trim() === theirs && (!c.expect || c.expect === theirs);
        return [ok, `node-ovh ${theirs}, partner ${r.stdout.trim()} (exit ${r.code} ${r.stderr})`];
      });
      continue;
    }
    await t.step(`node-ovh request() signature == partner ovhcloud sign: ${c.what}`, async () => {
      const { options, body } = await capture(base, c.method, c.path, c.data);
      const h = options.headers;
      const signedUrl = `https://${options.host}${options.path}`;
      if (signedUrl !== url) return [false, `node-ovh signed ${signedUrl}, expected ${url}`];
      const r = ours(c.method, signedUrl, body, h['X-Ovh-Timestamp']);
      const ok = r.code === 0 && r.stdout.trim() === h['X-Ovh-Signature'] && h['X-Ovh-Timestamp'] === CASES.timestamp
        && (!c.expect || c.expect === h['X-Ovh-Signature']);
      return [ok, `node-ovh ${h['X-Ovh-Signature']} at ${h['X-Ovh-Timestamp']}, partner ${r.stdout.trim()} (exit ${r.code} ${r.stderr})`];
    });
  }
  https.request = realHttpsRequest;
  t.finish();
})().catch((e) => { console.error(e); t.check(false, 'unexpected error', e && e.message ? e.message : t.show(e)); t.finish(); });
