import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli';
import { DEFAULT_TOKEN } from './context';

jest.setTimeout(60_000);

describe('pve-simulator CLI', () => {
  let errSpy: jest.SpyInstance;
  beforeEach(() => {
    errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => errSpy.mockRestore());

  it('prints usage with --help', async () => {
    const lines: string[] = [];
    expect(await runCli(['--help'], l => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toContain('--faults <spec>');
  });

  it('fails on bad arguments', async () => {
    expect(await runCli(['--bogus'], () => {})).toBe(2);
    expect(await runCli(['--port', '0', '--faults', 'rate=7'], () => {})).toBe(
      1,
    );
    expect(errSpy.mock.calls.map(c => String(c[0])).join('')).toContain(
      'fault rate must be within [0, 1]',
    );
    expect(await runCli(['--port', '0', '--timings', 'slow'], () => {})).toBe(
      1,
    );
    expect(errSpy.mock.calls.map(c => String(c[0])).join('')).toContain(
      "unknown timing profile 'slow' (use default|demo)",
    );
  });

  it('selects the demo timing profile with --timings demo', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pve-sim-cli-'));
    try {
      const lines: string[] = [];
      const done = runCli(
        [
          '--port',
          '0',
          '--tls-dir',
          dir,
          '--timings',
          'demo',
          '--clone-ms',
          '2500',
          '--faults',
          'kinds=stall|5xx-after|reset-after,rate=0,stall=100',
        ],
        l => lines.push(l),
      );
      for (
        let i = 0;
        i < 1000 && !lines.some(l => l.startsWith('Press Ctrl+C'));
        i++
      ) {
        await new Promise(r => setTimeout(r, 20));
      }
      const text = lines.join('\n');
      expect(text).toContain(
        'Timings:         demo (clone 2500 ms, task 1000 ms, agent IP 3000 ms, resources lag 3000 ms)',
      );
      expect(text).toContain('GET /_sim/guests');
      process.emit('SIGINT');
      expect(await done).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts, prints URLs/CA/token id (not the secret) and stops on SIGINT', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pve-sim-cli-'));
    try {
      const lines: string[] = [];
      const done = runCli(
        [
          '--port',
          '0',
          '--fleet',
          'demo',
          '--task-ms',
          '10',
          '--tls-dir',
          dir,
          '--faults',
          'latency=0-1',
        ],
        l => lines.push(l),
      );
      for (
        let i = 0;
        i < 1000 && !lines.some(l => l.startsWith('Press Ctrl+C'));
        i++
      ) {
        await new Promise(r => setTimeout(r, 20));
      }
      const text = lines.join('\n');
      expect(text).toMatch(
        /cluster lab\s+https:\/\/127\.0\.0\.1:\d+\/api2\/json/,
      );
      expect(text).toMatch(/cluster edge\s+https:\/\/127\.0\.0\.1:\d+/);
      expect(text).toContain(`CA certificate:  ${path.join(dir, 'ca.pem')}`);
      expect(text).toContain(`API token id:    ${DEFAULT_TOKEN.tokenId}`);
      expect(text).not.toContain(DEFAULT_TOKEN.secret);
      expect(fs.existsSync(path.join(dir, 'ca.pem'))).toBe(true);
      process.emit('SIGINT');
      expect(await done).toBe(0);
      // the CA is reused on the next start
      const ca = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
      const lines2: string[] = [];
      const again = runCli(
        ['--port', '0', '--tls-dir', dir, '--print-token'],
        l => lines2.push(l),
      );
      for (
        let i = 0;
        i < 1000 && !lines2.some(l => l.startsWith('Press Ctrl+C'));
        i++
      ) {
        await new Promise(r => setTimeout(r, 20));
      }
      expect(lines2.join('\n')).toContain(
        `API token secret: ${DEFAULT_TOKEN.secret}`,
      );
      process.emit('SIGTERM');
      expect(await again).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8')).toBe(ca);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
