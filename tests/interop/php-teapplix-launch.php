<?php
// Teapplix Launch URLs between PHP and partner, both directions: the
// signature is lower-case hex hash_hmac('sha256') over the URI from `/h/`
// through `ts` (`/h/<vhost>/te/lo.cgi?Action=Launch&pt=<token>&ts=<ts>`).
// URLs signed in PHP (token with urlencode and rawurlencode) checked by
// `partner teapplix verify` and by the fake (`partner mock teapplix`, with a
// token from PSObtainToken); URLs from `partner teapplix launch-url`
// checked in PHP.
//
// Needs php-cli (PHP 8). Contract (README.md): env PARTNER; no arguments;
// one line per check on stdout; exit 1 if any check failed. Starts
// `partner mock teapplix` itself.

declare(strict_types=1);
require __DIR__ . '/lib/interop.php';

$line = start_mock('teapplix');
$BASE = $line['base_url'];
$KEY = $line['signature_key'];
$PAIR = $line['pairs'][0];
$VHOST = $PAIR['client_vhost'];
$SECRETS = ['IOP_TEAPPLIX_KEY' => $KEY];
$KEY_ARGS = ['--signature-key-env', 'IOP_TEAPPLIX_KEY'];
$ODD_TOKEN = 'tok 1+2/=&~*é🎉';

function obtain(): string
{
    global $BASE, $PAIR, $line, $VHOST;
    [$status, $body] = http_get("$BASE/api2/PSObtainToken?PSClientID=" . rawurlencode($PAIR['ps_client_id']), ['APIToken: ' . $line['api_token']]);
    $json = json_decode($body, true);
    if ($status !== 200 || ($json['ClientVHOST'] ?? null) !== $VHOST || empty($json['AccessToken'])) {
        throw new RuntimeException("PSObtainToken answered $status $body");
    }
    return $json['AccessToken'];
}

function php_url(string $token, int $ts, string $encode = 'urlencode', ?string $key = null, string $vhost = '', string $base = ''): string
{
    global $KEY, $VHOST, $BASE;
    $uri = '/h/' . ($vhost ?: $VHOST) . '/te/lo.cgi?Action=Launch&pt=' . $encode($token) . "&ts=$ts";
    return ($base ?: $BASE) . $uri . '&signature=' . hash_hmac('sha256', $uri, $key ?? $KEY);
}

function verify(string $url): array
{
    global $KEY_ARGS, $SECRETS;
    return partner(array_merge(['teapplix', 'verify', $url], $KEY_ARGS, ['--json']), $SECRETS);
}

function accepted(array $r, int $ts): array
{
    global $VHOST;
    [$code, $out, $err] = $r;
    if ($code !== 0) {
        return [false, "exit $code: $err"];
    }
    $got = json_decode($out, true);
    return [($got['valid'] ?? false) === true && ($got['client_vhost'] ?? '') === $VHOST && ($got['ts'] ?? 0) === $ts, $out];
}

function refused(array $r, string $kind, string $what): void
{
    [$code, , $err] = $r;
    check($code === 1 && str_contains($err, $kind), $what, "exit $code $err");
}

// --- PHP signs, partner and the fake verify ---
$now = time();
foreach (['urlencode', 'rawurlencode'] as $enc) {
    $url = php_url($ODD_TOKEN, $now, $enc);
    step("PHP-signed launch URL, token with space +/=&~* and emoji via $enc: partner teapplix verify accepts it", fn () => accepted(verify($url), $now));
}
$url = php_url(obtain(), $now);
step('PHP-signed launch URL with a PSObtainToken token: partner teapplix verify accepts it', fn () => accepted(verify($url), $now));
[$status, $body] = http_get($url);
check($status === 200 && str_contains($body, 'Logged in') && str_contains($body, $VHOST), 'PHP-signed launch URL: the fake logs in (200)', "$status " . substr($body, 0, 200));
[$status] = http_get($url);
check($status === 403, 'PHP-signed launch URL: the fake refuses its second use (403)', "$status");
refused(verify(str_replace("&ts=$now", '&ts=' . ($now - 1), $url)), 'bad-signature', 'PHP-signed URL with ts changed: partner refuses');
refused(verify(php_url($ODD_TOKEN, $now, 'urlencode', 'another key')), 'bad-signature', 'URL signed with another key: partner refuses');
refused(verify(php_url($ODD_TOKEN, $now - 3600)), 'expired', 'URL signed an hour ago: partner refuses (expired, 30 min window)');
[$status] = http_get(php_url(obtain(), $now, 'urlencode', 'another key'));
check($status === 403, 'URL signed with another key: the fake refuses (403)', "$status");

// --- partner signs, PHP verifies ---
function php_checks(string $url, string $token, ?int $ts = null): array
{
    global $KEY, $VHOST;
    $i = strpos($url, '/h/');
    $at = strrpos($url, '&signature=');
    if ($i === false || $at === false) {
        return [false, "not a launch URL: $url"];
    }
    $uri = substr($url, $i, $at - $i);
    $signature = substr($url, $at + strlen('&signature='));
    $path = parse_url($uri, PHP_URL_PATH);
    $query = (string) parse_url($uri, PHP_URL_QUERY);
    parse_str($query, $q);
    $ok = hash_equals(hash_hmac('sha256', $uri, $KEY), $signature) && $path === "/h/$VHOST/te/lo.cgi"
        && array_keys($q) === ['Action', 'pt', 'ts'] && $q['Action'] === 'Launch' && $q['pt'] === $token
        && ($ts !== null ? (int) $q['ts'] === $ts : abs((int) $q['ts'] - time()) <= 30);
    return [$ok, "url $url, query " . json_encode($q, JSON_UNESCAPED_UNICODE)];
}

$token = obtain();
[$code, $out, $err] = partner(array_merge(['teapplix', 'launch-url', '--vhost', $VHOST, '--base-url', $BASE, '--access-token-env', 'IOP_TEAPPLIX_TOKEN'], $KEY_ARGS, ['--json']),
    $SECRETS + ['IOP_TEAPPLIX_TOKEN' => $token]);
$url = $code === 0 ? json_decode($out, true)['url'] : '';
step('partner teapplix launch-url: PHP recomputes hash_hmac over /h/..ts, pt and ts as given', fn () => $code === 0 ? php_checks($url, $token) : [false, "exit $code $err"]);
[$status, $body] = $url ? http_get($url) : [0, ''];
check($status === 200 && str_contains($body, 'Logged in'), 'partner teapplix launch-url: the fake logs in (200)', "$status");

$tokenFile = write_private('token', $ODD_TOKEN . "\n");
$keyFile = write_private('teapplix.key', $KEY);
[$code, $out, $err] = partner(['teapplix', 'launch-url', '--vhost', $VHOST, '--base-url', $BASE, '--access-token-file', $tokenFile,
    '--signature-key-file', $keyFile, '--ts', (string) $now, '--json']);
$url = $code === 0 ? json_decode($out, true)['url'] : '';
step('partner teapplix launch-url (files; token with space +/=&~* and emoji, --ts): PHP verifies, parse_str decodes pt',
    fn () => $code === 0 ? php_checks($url, $ODD_TOKEN, $now) : [false, "exit $code $err"]);

// The documented example (partner_teapplix::LaunchSigner): key "Signature Key".
[$code, $out, $err] = partner(['teapplix', 'launch-url', '--vhost', 'demo2', '--access-token-env', 'IOP_DOC_TOKEN', '--signature-key-env', 'IOP_DOC_KEY', '--ts', '1483257600'],
    ['IOP_DOC_KEY' => 'Signature Key', 'IOP_DOC_TOKEN' => 'AccessToken']);
$expected = php_url('AccessToken', 1483257600, 'urlencode', 'Signature Key', 'demo2', 'https://app.teapplix.com');
check($code === 0 && trim($out) === $expected && str_ends_with($expected, '9991b1c9984c8b2b4495b6a09ce35bec09af044cc653486a8a4421bc9493a205'),
    'documented example: partner teapplix launch-url == the URL PHP signs', 'partner ' . trim($out) . ", php $expected");

finish();
