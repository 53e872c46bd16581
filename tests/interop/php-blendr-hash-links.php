<?php
// Blendr.io hash SSO links between PHP and partner, both directions:
// links built with http_build_query (PHP_QUERY_RFC1738 and
// PHP_QUERY_RFC3986) + hash_hmac('sha256', ...) checked by
// `partner blendr verify` and by the fake hub (`partner mock blendr`,
// GET /sso); links from `partner blendr link` checked in PHP by recomputing
// the HMAC over the raw query without `hash`. Values with space ~*+&= and
// emoji.
//
// Needs php-cli (PHP 8). Contract (README.md): env PARTNER; no arguments;
// one line per check on stdout; exit 1 if any check failed. Starts
// `partner mock blendr` itself.

declare(strict_types=1);
require __DIR__ . '/lib/interop.php';

$line = start_mock('blendr');
$HUB = $line['base_url'] . '/sso';
$KEY = $line['api_key'];
$SECRETS = ['IOP_BLENDR_KEY' => $KEY];
$KEY_ARGS = ['--api-key-env', 'IOP_BLENDR_KEY'];

$PAIRS = [
    'accountid' => 'acct ~*+&= 🎉',
    'accountname' => 'ACME & Sons = ~* +1',
    'userid' => 'u 42',
    'username' => 'Jöhn ~*+&= Smith 🎉',
    'useremail' => 'jon+tag@example.com',
];

function php_query(array $pairs, int $enc, string $key, ?int $ts = null): string
{
    $query = http_build_query($pairs + ['timestamp' => $ts ?? time()], '', '&', $enc);
    return $query . '&hash=' . hash_hmac('sha256', $query, $key);
}

function verify(string $input): array
{
    global $KEY_ARGS, $SECRETS;
    return partner(array_merge(['blendr', 'verify', $input], $KEY_ARGS, ['--json']), $SECRETS);
}

// --- links built in PHP, checked by partner and the hub ---
foreach (['PHP_QUERY_RFC1738 (+)' => PHP_QUERY_RFC1738, 'PHP_QUERY_RFC3986 (%20)' => PHP_QUERY_RFC3986] as $name => $enc) {
    $pairs = $PAIRS;
    $pairs['accountid'] .= " $name";
    $query = php_query($pairs, $enc, $KEY);
    step("PHP http_build_query $name hash link: partner blendr verify accepts it, values decoded", function () use ($HUB, $query, $pairs) {
        [$code, $out, $err] = verify("$HUB?$query");
        if ($code !== 0) {
            return [false, "exit $code: $err"];
        }
        $got = json_decode($out, true)['params'];
        $want = [];
        foreach ($pairs as $k => $v) {
            $want[] = [$k, $v];
        }
        $ts = array_pop($got);
        return [$got === $want && $ts[0] === 'timestamp', $out];
    });
    [$status, $body] = http_get("$HUB?$query");
    check($status === 200, "PHP http_build_query $name hash link: hub GET /sso -> 200", "$status " . substr($body, 0, 200));
    [$status] = http_get("$HUB?$query");
    check($status === 403, "PHP http_build_query $name hash link: hub refuses the same link twice (403)", "$status");
    $tampered = preg_replace('/userid=u/', 'userid=x', $query, 1);
    [$code, , $err] = verify("$HUB?$tampered");
    check($code === 1 && str_contains($err, 'bad-signature'), "PHP http_build_query $name hash link, a value changed: partner refuses", "exit $code $err");
    [$status] = http_get("$HUB?" . preg_replace('/userid=u/', 'userid=x', php_query($pairs, $enc, $KEY), 1));
    check($status === 403, "PHP http_build_query $name hash link, a value changed: hub 403", "$status");
}
[$code, , $err] = verify("$HUB?" . php_query($PAIRS, PHP_QUERY_RFC3986, 'another key'));
check($code === 1 && str_contains($err, 'bad-signature'), 'PHP hash link signed with another key: partner refuses', "exit $code $err");
[$code, , $err] = verify("$HUB?" . php_query($PAIRS, PHP_QUERY_RFC1738, $KEY, time() - 3600));
check($code === 1 && str_contains($err, 'expired'), 'PHP hash link an hour old: partner refuses (expired)', "exit $code $err");

// --- links built by partner, checked in PHP ---
$keyFile = write_private('blendr.key', $KEY . "\r\n"); // a file may end in one CRLF
foreach (['--api-key-env' => $KEY_ARGS, '--api-key-file' => ['--api-key-file', $keyFile]] as $how => $keyArgs) {
    $pairs = $PAIRS;
    $pairs['userid'] .= " $how"; // each link differs: the hub takes a link once
    $args = ['blendr', 'link', '--base-url', $HUB];
    foreach ($pairs as $k => $v) {
        array_push($args, '--param', "$k=$v");
    }
    [$code, $out, $err] = partner(array_merge($args, $keyArgs), $SECRETS);
    $link = trim($out);
    step("partner blendr link ($how): PHP recomputes hash_hmac over the raw query, parse_str gives the values", function () use ($code, $err, $link, $KEY, $pairs) {
        if ($code !== 0) {
            return [false, "partner blendr link exit $code: $err"];
        }
        $query = (string) parse_url($link, PHP_URL_QUERY);
        $at = strrpos($query, '&hash=');
        if ($at === false) {
            return [false, "no &hash= in $link"];
        }
        $signed = substr($query, 0, $at);
        $hash = substr($query, $at + strlen('&hash='));
        parse_str($signed, $got);
        $ts = (int) ($got['timestamp'] ?? 0);
        unset($got['timestamp']);
        $ok = hash_equals(hash_hmac('sha256', $signed, $KEY), $hash) && $got === $pairs && abs($ts - time()) <= 30;
        return [$ok, "link $link decoded " . json_encode($got, JSON_UNESCAPED_UNICODE)];
    });
    [$status, $body] = http_get($link);
    check($status === 200, "partner blendr link ($how): hub GET /sso -> 200", "$status " . substr($body, 0, 200));
}

finish();
