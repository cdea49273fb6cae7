// The real maskportal binary on a fresh SQLite database, seeded through its own CLI.
// Builds nothing: MASKPORTAL_BIN names the binary (default: target/debug/maskportal).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The repository's root. */
export const REPO = repoRoot;

export const BINARY = path.resolve(repoRoot, process.env.MASKPORTAL_BIN ?? 'target/debug/maskportal');

/** Wednesday 11 March 2020, 10:00 in Korea: birth years ending in 3 and 8 may buy. */
export const WEDNESDAY = '2020-03-11T10:00:00+09:00';

/** A valid resident registration number (with the hyphen) for someone born in `year`. */
export function residentId(year, serial, { month = 5, day = 15 } = {}) {
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  const centuryDigit = year >= 2000 ? 3 : year >= 1900 ? 1 : 9;
  const first12 = `${pad(year % 100)}${pad(month)}${pad(day)}${centuryDigit}${pad(serial, 5)}`;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = [...first12].reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
  return `${first12.slice(0, 6)}-${first12.slice(6)}${(11 - (sum % 11)) % 10}`;
}

/**
 * A running service: `url`, the clerks seeded (`clerks.a`, `clerks.b`, each at its own site
 * allowing one device), `kill()` and `restart()` for an outage, and `stop()`. `settings` are
 * more environment variables for `serve`.
 */
export async function startService({ clock = WEDNESDAY, settings = {} } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'maskportal-e2e-'));
  const env = {
    ...process.env,
    DATABASE_URL: path.join(dir, 'e2e.db'),
    MASKPORTAL_SECRETS_DIR: dir,
    RUST_LOG: 'warn',
    NO_COLOR: '1',
  };
  const cli = (args, input) => {
    const run = spawnSync(BINARY, args, { env, input, encoding: 'utf8', cwd: dir });
    if (run.error) throw new Error(`cannot run ${BINARY}: ${run.error.message} (build it first, or set MASKPORTAL_BIN)`);
    if (run.status !== 0) throw new Error(`maskportal ${args.join(' ')} failed:\n${run.stderr}`);
    return run.stdout;
  };

  const sites = [
    { code: '11817488', name: '망원온누리약국', type: 'pharmacy', addr: '서울특별시 마포구 월드컵로 212 (망원동)', lat: '37.5563', lng: '126.9019', user: 'clerk-mangwon' },
    { code: '27110031', name: '대구중앙우체국', type: 'post_office', addr: '대구광역시 중구 국채보상로 596 (동성로2가)', lat: '35.8700', lng: '128.5960', user: 'clerk-daegu' },
  ];
  const clerks = {};
  for (const [key, site] of [['a', sites[0]], ['b', sites[1]]]) {
    cli(['admin', 'site', 'add', '--code', site.code, '--name', site.name, '--type', site.type,
      '--addr', site.addr, '--lat', site.lat, '--lng', site.lng, '--max-devices', '1']);
    const password = `pw-${site.user}-e2e-2020`;
    cli(['admin', 'user', 'add', '--username', site.user, '--site', site.code, '--role', 'clerk', '--password-stdin'], `${password}\n`);
    clerks[key] = { username: site.user, password, site };
  }

  // The service's clock runs on from `clock`; a restart picks it up where it was (plus `advance`).
  let clockStart = Date.parse(clock);
  let startedAt = Date.now();
  const serviceNow = () => clockStart + (Date.now() - startedAt);

  let child = null;
  let log = '';
  const launch = async (bind) => {
    child = spawn(BINARY, ['serve'], {
      env: {
        ...env, ...settings, RUST_LOG: 'info', MASKPORTAL_BIND: bind, MASKPORTAL_CLOCK: new Date(clockStart).toISOString(), MASKPORTAL_WORKERS: '2',
      },
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    startedAt = Date.now();
    log = '';
    const running = child;
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`maskportal did not start in 30 s:\n${log}`)), 30_000);
      running.stderr.setEncoding('utf8');
      running.stderr.on('data', (chunk) => {
        log += chunk;
        // eslint-disable-next-line no-control-regex
        const match = /maskportal is serving.*?port=(\d+)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
        if (match) { clearTimeout(timer); resolve(Number(match[1])); }
      });
      running.on('exit', (code) => { clearTimeout(timer); reject(new Error(`maskportal exited (${code}):\n${log}`)); });
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url);
    return url;
  };
  const url = await launch('127.0.0.1:0');
  const exited = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', resolve);
  });

  return {
    url,
    clerks,
    log: () => log,
    /** The service clock now, in ms since the epoch. */
    now: serviceNow,
    /** Kills the server at once (no shutdown), keeping its database and secrets. */
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    /** Starts it again on the same address, database and secrets; its clock `advance` ms on. */
    async restart({ advance = 0 } = {}) {
      clockStart = serviceNow() + advance;
      await launch(new URL(url).host);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const done = exited();
        child.kill('SIGTERM');
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(url) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const reply = await fetch(`${url}/readyz`);
      if (reply.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${url}/readyz did not answer 200 in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
