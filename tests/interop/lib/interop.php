<?php
// Shared helpers of the PHP interop scripts (not a script itself: the
// runner only runs the files directly in tests/interop/). Needs php-cli
// only (no extension beyond the defaults: hash, json, streams).
//
// - check(): `ok   <what>` / `FAIL <what>: <detail>` on stdout, one line per
//   check; finish() exits 1 if any failed, 0 otherwise.
// - start_mock($provider): starts `$PARTNER mock <provider>` on 127.0.0.1,
//   returns its one JSON line (decoded), stops it at exit.
// - partner($args, $env): runs `$PARTNER ...`; secrets go in $env (named by
//   `--*-env NAME`) or in files (write_private), never in $args.

declare(strict_types=1);

const WATCHDOG_SECONDS = 240;

$PARTNER = getenv('PARTNER') ?: '';
if ($PARTNER === '' || !is_executable($PARTNER)) {
    echo 'FAIL setup: set PARTNER to the path of the partner binary (got ' . json_encode($PARTNER) . ")\n";
    exit(1);
}
$GLOBALS['iop'] = ['passed' => 0, 'failed' => 0, 'mocks' => [], 'tmp' => null];
$GLOBALS['iop']['tmp'] = sys_get_temp_dir() . '/partner-interop-' . bin2hex(random_bytes(6));
mkdir($GLOBALS['iop']['tmp'], 0700);

function iop_cleanup(): void
{
    foreach ($GLOBALS['iop']['mocks'] as $m) {
        $status = proc_get_status($m['proc']);
        if ($status['running']) {
            proc_terminate($m['proc'], 15);
        }
        foreach ($m['pipes'] as $p) {
            if (is_resource($p)) {
                fclose($p);
            }
        }
        proc_close($m['proc']);
    }
    $GLOBALS['iop']['mocks'] = [];
    $tmp = $GLOBALS['iop']['tmp'];
    if ($tmp && is_dir($tmp)) {
        foreach (glob($tmp . '/*') ?: [] as $f) {
            @unlink($f);
        }
        @rmdir($tmp);
    }
}
register_shutdown_function('iop_cleanup');
if (function_exists('pcntl_async_signals')) {
    pcntl_async_signals(true);
    pcntl_signal(SIGALRM, function () {
        echo 'FAIL watchdog: the script ran longer than ' . WATCHDOG_SECONDS . " s\n";
        exit(1);
    });
    pcntl_signal(SIGTERM, function () {
        exit(1);
    });
    pcntl_alarm(WATCHDOG_SECONDS);
}

function check(bool $cond, string $what, string $detail = ''): bool
{
    if ($cond) {
        $GLOBALS['iop']['passed']++;
        echo "ok   $what\n";
    } else {
        $GLOBALS['iop']['failed']++;
        echo "FAIL $what: " . ($detail === '' ? 'assertion failed' : $detail) . "\n";
    }
    return $cond;
}

/** Runs $fn; it returns bool or [bool, detail]; a throw is a FAIL. */
function step(string $what, callable $fn): bool
{
    try {
        $out = $fn();
    } catch (Throwable $e) {
        fwrite(STDERR, (string) $e . "\n");
        return check(false, $what, get_class($e) . ': ' . $e->getMessage());
    }
    return is_array($out) ? check((bool) $out[0], $what, (string) $out[1]) : check((bool) $out, $what);
}

function finish(): void
{
    $s = $GLOBALS['iop'];
    fwrite(STDERR, "{$s['passed']} passed, {$s['failed']} failed\n");
    if ($s['failed']) {
        foreach ($s['mocks'] as $m) {
            $lines = @file($m['log']) ?: [];
            fwrite(STDERR, "--- last lines of the mock's log ({$m['provider']}):\n" . implode('', array_slice($lines, -20)));
        }
    }
    exit($s['failed'] ? 1 : 0);
}

function write_private(string $name, string $data): string
{
    $path = $GLOBALS['iop']['tmp'] . '/' . $name;
    $old = umask(0077);
    file_put_contents($path, $data);
    umask($old);
    return $path;
}

/** Starts `$PARTNER mock <provider>`; returns its JSON line decoded. */
function start_mock(string $provider): array
{
    global $PARTNER;
    $log = $GLOBALS['iop']['tmp'] . "/mock-$provider.log";
    $proc = proc_open([$PARTNER, 'mock', $provider], [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $log, 'w']], $pipes);
    if (!is_resource($proc)) {
        echo "FAIL start partner mock $provider: cannot start it\n";
        exit(1);
    }
    $GLOBALS['iop']['mocks'][] = ['proc' => $proc, 'pipes' => $pipes, 'log' => $log, 'provider' => $provider];
    $read = [$pipes[1]];
    $w = $e = null;
    $line = stream_select($read, $w, $e, 20) ? fgets($pipes[1]) : false;
    $info = $line === false ? null : json_decode($line, true);
    if (!is_array($info) || !str_starts_with((string) ($info['base_url'] ?? ''), 'http://127.0.0.1:')) {
        echo "FAIL start partner mock $provider: no JSON line on 127.0.0.1 within 20 s: " . var_export($line, true) . "\n";
        exit(1);
    }
    return $info;
}

/** Runs `$PARTNER ...$args` with extra environment variables; returns [code, stdout, stderr]. */
function partner(array $args, array $env = []): array
{
    global $PARTNER;
    $proc = proc_open(array_merge([$PARTNER], $args), [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, array_merge(getenv(), $env));
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    return [proc_close($proc), $out, trim($err)];
}

/** GET an http://127.0.0.1 URL, the target sent as given; returns [status, body]. */
function http_get(string $url, array $headers = []): array
{
    if (!str_starts_with($url, 'http://127.0.0.1:')) {
        throw new RuntimeException("only http://127.0.0.1 is allowed here: $url");
    }
    $ctx = stream_context_create(['http' => ['method' => 'GET', 'ignore_errors' => true, 'timeout' => 10,
        'header' => implode("\r\n", $headers), 'follow_location' => 0]]);
    $body = @file_get_contents($url, false, $ctx);
    $status = 0;
    foreach ($http_response_header ?? [] as $h) {
        if (preg_match('#^HTTP/\S+ (\d{3})#', $h, $m)) {
            $status = (int) $m[1];
        }
    }
    return [$status, $body === false ? '' : $body];
}
