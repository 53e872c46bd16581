// Blendr.io SSO JWTs between npm `jsonwebtoken` 9.x and partner, both
// directions: tokens signed by jsonwebtoken (HS256) checked by
// `partner blendr verify` and by the fake hub (`partner mock blendr`,
// GET /sso?jwt=), tokens from `partner blendr jwt` checked by
// jsonwebtoken's verify; flat and nested claims, with and without exp;
// HS384, HS512 and alg none refused.
//
// Contract (README.md): env PARTNER, NODE_PATH = the node_modules of
// package.json; no arguments; one line per check on stdout; exit 1 if any
// check failed. Starts `partner mock blendr` itself.
'use strict';
const http = require('http');
const jwt = require('jsonwebtoken');
const t = require('./lib/interop');

function get(url) {
  return new Promise((resolve, reject) => {
    const r = http.get(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    r.setTimeout(10000, () => r.destroy(new Error('timeout')));
    r.on('error', reject);
  });
}
const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

(async () => {
  const line = await t.startMock('blendr');
  const HUB = `${line.base_url}/sso`;
  const KEY = line.api_key;
  const SECRETS = { IOP_BLENDR_KEY: KEY };
  const KEY_ARGS = ['--api-key-env', 'IOP_BLENDR_KEY'];
  const verify = (token) => t.partner(['blendr', 'verify', token, ...KEY_ARGS, '--json'], SECRETS);
  const now = () => Math.floor(Date.now() / 1000);

  const FLAT = { accountid: 'acct-node-é', accountname: 'ACME ✓', userid: 'u1', username: 'Jöhn 🎉', useremail: 'jon+tag@example.com' };
  const NESTED = {
    account: { external_id: 'acct-node-nested', name: 'Nested & Co 🎉' },
    user: { id: 'u2', email: 'ann@example.com', name: 'Ann ~*+&=' },
    integration: { api_key: 'k-123', settings: { region: 'eu', flags: [1, 2, 3] } },
  };
  const CASES = [['flat, no exp', FLAT, null], ['flat, exp', FLAT, 300], ['nested, no exp', NESTED, null], ['nested, exp', NESTED, 300]];

  // --- jsonwebtoken -> partner and the hub ---
  for (const [what, claims, exp] of CASES) {
    const token = jwt.sign(claims, KEY, { algorithm: 'HS256', ...(exp ? { expiresIn: exp } : {}) });
    const sent = jwt.decode(token);
    await t.step(`jsonwebtoken HS256 (${what}): partner blendr verify accepts it, claims equal`, () => {
      const r = verify(token);
      if (r.code !== 0) return [false, `exit ${r.code}: ${r.stderr}`];
      const got = JSON.parse(r.stdout);
      return [got.kind === 'jwt' && same(got.claims, sent) && (exp ? got.claims.exp === sent.iat + exp : !('exp' in got.claims)), r.stdout];
    });
    const res = await get(`${HUB}?jwt=${token}`);
    t.check(res.status === 200, `jsonwebtoken HS256 (${what}): hub GET /sso?jwt= -> 200`, `${res.status} ${res.text.slice(0, 200)}`);
  }
  let r = verify(jwt.sign({ ...FLAT, iat: now() - 100 }, KEY, { algorithm: 'HS256', expiresIn: 10 }));
  t.check(r.code === 1 && /expired/.test(r.stderr), 'jsonwebtoken token past its exp: partner refuses (expired)', `exit ${r.code} ${r.stderr}`);
  r = verify(jwt.sign(FLAT, 'another-key', { algorithm: 'HS256' }));
  t.check(r.code === 1 && /bad-signature/.test(r.stderr), 'jsonwebtoken token with another key: partner refuses', `exit ${r.code} ${r.stderr}`);
  for (const alg of ['HS384', 'HS512', 'none']) {
    const token = jwt.sign(FLAT, alg === 'none' ? null : KEY, { algorithm: alg });
    const header = jwt.decode(token, { complete: true }).header;
    r = verify(token);
    t.check(header.alg === alg && r.code === 1 && /bad-signature/.test(r.stderr),
      `jsonwebtoken alg ${alg} token${alg === 'none' ? '' : ' (signed with the right key)'}: partner refuses`, `header ${t.show(header)} exit ${r.code} ${r.stderr}`);
    const res = await get(`${HUB}?jwt=${token}`);
    t.check(res.status === 403, `jsonwebtoken alg ${alg} token: hub 403`, `${res.status}`);
  }

  // --- partner -> jsonwebtoken ---
  for (const [what, claims, exp] of CASES) {
    const file = t.writeFile('claims.json', JSON.stringify(claims));
    r = t.partner(['blendr', 'jwt', '--claims-file', file, ...(exp ? ['--expires-in', String(exp)] : []), ...KEY_ARGS], SECRETS);
    const token = r.stdout.trim();
    await t.step(`partner blendr jwt (${what}): jsonwebtoken verify (HS256) reads the claims`, () => {
      if (r.code !== 0) return [false, `partner blendr jwt exit ${r.code}: ${r.stderr}`];
      const { header, payload } = jwt.verify(token, KEY, { algorithms: ['HS256'], complete: true });
      const { iat, exp: gotExp, ...rest } = payload;
      const ok = header.alg === 'HS256' && same(rest, claims) && Math.abs(iat - now()) <= 30
        && (exp ? gotExp === iat + exp : gotExp === undefined);
      return [ok, t.show({ header, payload })];
    });
    await t.rejects(() => jwt.verify(token, 'another-key', { algorithms: ['HS256'] }),
      `partner blendr jwt (${what}): jsonwebtoken with another key refuses it`, (e) => e.name === 'JsonWebTokenError' && /invalid signature/.test(e.message));
  }
  t.finish();
})().catch((e) => { console.error(e); t.check(false, 'unexpected error', e && e.message ? e.message : t.show(e)); t.finish(); });
