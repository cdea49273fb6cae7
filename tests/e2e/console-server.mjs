// The real maskportal binary for the console tests: a fresh SQLite database with an operator,
// two sites with a clerk each and an API key, all made through the binary's own CLI.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { BINARY, WEDNESDAY } from './server.mjs';

export async function startConsoleService({ clock = WEDNESDAY } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'maskportal-console-'));
  const env = { ...process.env, DATABASE_URL: path.join(dir, 'e2e.db'), MASKPORTAL_SECRETS_DIR: dir, RUST_LOG: 'warn', NO_COLOR: '1' };
  const cli = (args, input) => {
    const run = spawnSync(BINARY, args, { env, input, encoding: 'utf8', cwd: dir });
    if (run.error) throw new Error(`cannot run ${BINARY}: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`maskportal ${args.join(' ')} failed:\n${run.stderr}`);
    return run.stdout;
  };
  const sites = [
    { code: '11817488', name: '망원온누리약국', type: 'pharmacy', addr: '서울특별시 마포구 월드컵로 212 (망원동)', lat: '37.5563', lng: '126.9019', user: 'clerk-mangwon' },
    { code: '27110031', name: '대구중앙우체국', type: 'post_office', addr: '대구광역시 중구 국채보상로 596 (동성로2가)', lat: '35.8700', lng: '128.5960', user: 'clerk-daegu' },
  ];
  const clerks = [];
  for (const site of sites) {
    cli(['admin', 'site', 'add', '--code', site.code, '--name', site.name, '--type', site.type,
      '--addr', site.addr, '--lat', site.lat, '--lng', site.lng]);
    const password = `pw-${site.user}-e2e-2020`;
    cli(['admin', 'user', 'add', '--username', site.user, '--site', site.code, '--role', 'clerk', '--password-stdin'], `${password}\n`);
    clerks.push({ username: site.user, password, site });
  }
  const admin = { username: 'ops', password: 'pw-ops-console-2020' };
  cli(['admin', 'user', 'add', '--username', admin.username, '--role', 'admin', '--password-stdin'], `${admin.password}\n`);
  const apiKey = cli(['admin', 'apikey', 'issue', '--name', '지도 앱', '--per-second', '50']).trim();

  const child = spawn(BINARY, ['serve'], {
    env: { ...env, RUST_LOG: 'info', MASKPORTAL_BIND: '127.0.0.1:0', MASKPORTAL_CLOCK: clock, MASKPORTAL_WORKERS: '2' },
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`maskportal did not start in 30 s:\n${log}`)), 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      // eslint-disable-next-line no-control-regex
      const match = /maskportal is serving.*?port=(\d+)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
      if (match) { clearTimeout(timer); resolve(Number(match[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`maskportal exited (${code}):\n${log}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries += 1) {
    try { if ((await fetch(`${url}/readyz`)).ok) break; } catch { /* not yet */ }
    if (tries > 300) throw new Error('not ready in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** A bearer token of `who` on a device of its own (the tests' side channel to the API). */
  async function token(who, device) {
    const reply = await fetch(`${url}/portal/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: who.username, password: who.password, device_id: device }),
    });
    if (reply.status !== 201) throw new Error(`sign-in of ${who.username}: ${reply.status} ${await reply.text()}`);
    return (await reply.json()).token;
  }

  return {
    url, clerks, admin, apiKey, token, cli,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
