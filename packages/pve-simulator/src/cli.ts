import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_TIMINGS,
  DEFAULT_TOKEN,
  SimulatorToken,
  TIMING_PROFILES,
  timingProfile,
  TimingProfileName,
} from './context';
import { parseFaultSpec } from './faults';
import { startSimulator } from './simulator';

const USAGE = `Usage: pve-simulator [options]

Simulates Proxmox VE 8.4 clusters over HTTPS (one listener per cluster).

Options:
  --host <addr>               listen address (default 127.0.0.1)
  --port <n>                  base port, cluster i listens on port+i; 0 = random (default 8006)
  --fleet <spec>              demo | large:<clusters>x<nodes>x<guests> (default demo)
  --seed <n>                  seed for fleet generation and faults (default 1)
  --tls-dir <dir>             where ca.pem/ca-key.pem/server*.pem live; an existing CA is reused
                              (default: <tmpdir>/mycopod-pve-simulator-tls)
  --faults <spec>             compact fault spec or JSON, e.g.
                              rate=0.2,kinds=500|595|reset,path=/cluster/resources,latency=5-50,
                              task-fail=0.05,offline=lab/pve2,seed=7
                              (kinds also reset-after|5xx-after|stall; stall=<ms>, task-lag=<ms>,
                              task-fail-types=qmclone|qmstart, task-fail-modes=qmclone:worker-died)
  --token <id=secret[:ro]>    accept this API token (repeatable; ':ro' = read-only privileges);
                              default ${
                                DEFAULT_TOKEN.tokenId
                              } (admin). ACL paths instead of
                              global privileges: ':audit=/vms/100,/pool/team-a' (PVEAuditor)
                              and/or ':admin=<paths>'; '/' or '/vms' = every guest
  --print-token               also print the admin token secret (development only)
  --timings <profile>         timing profile: ${Object.keys(
    TIMING_PROFILES,
  ).join(' | ')} (default default; demo = clone 3 s, tasks 1 s,
                              agent IP 3 s, resources lag 3 s); the flags below override it
  --task-ms <n>               task duration (default ${DEFAULT_TIMINGS.taskMs})
  --clone-ms <n>              clone task duration (default ${
    DEFAULT_TIMINGS.cloneMs
  })
  --resize-ms <n>             resize task duration (default ${
    DEFAULT_TIMINGS.resizeMs
  })
  --lock-wait-ms <n>          config lock timeout (default ${
    DEFAULT_TIMINGS.lockWaitMs
  })
  --resources-lag-ms <n>      cluster/resources lag for new guests (default ${
    DEFAULT_TIMINGS.resourcesLagMs
  })
  --agent-ip-delay-ms <n>     guest agent delay after start (default ${
    DEFAULT_TIMINGS.agentIpDelayMs
  })
  --unauthorized-delay-ms <n> delay of 401 responses (default ${
    DEFAULT_TIMINGS.unauthorizedDelayMs
  })
  --task-start-ms <n>         delay between a UPID and its worker starting (default ${
    DEFAULT_TIMINGS.taskStartMs
  })
  -h, --help                  show this help
`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--${name} expects a non-negative number, got '${v}'`);
  return n;
}

/**
 * `<id>=<secret>[:ro|:readonly|:admin][:audit=<path>,<path>…][:admin=<path>,…]`:
 * a bare level is global; `audit=` (PVEAuditor) and `admin=` grant on ACL
 * paths only, as PVE ACLs (e.g. `audit=/vms/100,/pool/team-a`).
 */
export function parseToken(text: string): SimulatorToken {
  const fail = () =>
    new Error(
      `--token expects <user@realm!name>=<secret>[:ro][:audit=<paths>][:admin=<paths>], got '${text}'`,
    );
  const [head, ...options] = text.split(':');
  const m = /^([^=]+)=(.+)$/.exec(head);
  if (!m) throw fail();
  const token: SimulatorToken = {
    tokenId: m[1],
    secret: m[2],
    privileges: 'admin',
  };
  for (const option of options) {
    const grant = /^(audit|ro|readonly|admin)=(.+)$/.exec(option);
    if (grant) {
      const privileges = grant[1] === 'admin' ? 'admin' : 'readonly';
      for (const aclPath of grant[2].split(',')) {
        if (!aclPath.startsWith('/')) throw fail();
        (token.acl ??= []).push({ path: aclPath, privileges });
      }
    } else if (/^(ro|readonly)$/.test(option)) {
      token.privileges = 'readonly';
    } else if (option !== 'admin') {
      throw fail();
    }
  }
  return token;
}

/**
 * Runs the `pve-simulator` command line. Resolves when the simulator stopped
 * (SIGINT/SIGTERM) with the process exit code.
 *
 * @public
 */
export async function runCli(
  argv: string[],
  out: (line: string) => void = l => process.stdout.write(`${l}\n`),
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        fleet: { type: 'string' },
        seed: { type: 'string' },
        'tls-dir': { type: 'string' },
        faults: { type: 'string' },
        token: { type: 'string', multiple: true },
        'print-token': { type: 'boolean' },
        'task-ms': { type: 'string' },
        'clone-ms': { type: 'string' },
        'resize-ms': { type: 'string' },
        'lock-wait-ms': { type: 'string' },
        'resources-lag-ms': { type: 'string' },
        'agent-ip-delay-ms': { type: 'string' },
        'unauthorized-delay-ms': { type: 'string' },
        'task-start-ms': { type: 'string' },
        timings: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  let sim;
  const profile = (values.timings ?? 'default') as TimingProfileName;
  try {
    timingProfile(profile);
    const timings = Object.fromEntries(
      Object.entries({
        taskMs: num('task-ms', values['task-ms']),
        cloneMs: num('clone-ms', values['clone-ms']),
        resizeMs: num('resize-ms', values['resize-ms']),
        lockWaitMs: num('lock-wait-ms', values['lock-wait-ms']),
        resourcesLagMs: num('resources-lag-ms', values['resources-lag-ms']),
        agentIpDelayMs: num('agent-ip-delay-ms', values['agent-ip-delay-ms']),
        unauthorizedDelayMs: num(
          'unauthorized-delay-ms',
          values['unauthorized-delay-ms'],
        ),
        taskStartMs: num('task-start-ms', values['task-start-ms']),
      }).filter(([, v]) => v !== undefined),
    );
    sim = await startSimulator({
      host: values.host,
      port: num('port', values.port) ?? 8006,
      fleet: values.fleet ?? 'demo',
      seed: num('seed', values.seed) ?? 1,
      tlsDir:
        values['tls-dir'] ??
        path.join(os.tmpdir(), 'mycopod-pve-simulator-tls'),
      faults: values.faults ? parseFaultSpec(values.faults) : undefined,
      tokens: values.token?.map(parseToken),
      timingProfile: profile,
      timings,
    });
  } catch (e) {
    process.stderr.write(`pve-simulator: ${(e as Error).message}\n`);
    return 1;
  }
  out(
    `Proxmox VE 8.4 API simulator — fleet ${values.fleet ?? 'demo'}, seed ${
      values.seed ?? 1
    }`,
  );
  for (const c of sim.clusters) {
    const cs = sim.state.clusters.find(x => x.name === c.name)!;
    out(
      `  cluster ${c.name.padEnd(10)} ${c.url}/api2/json  (${
        cs.nodes.size
      } nodes, ${cs.guests.size} guests)`,
    );
  }
  const t = sim.timings;
  out(
    `Timings:         ${profile} (clone ${t.cloneMs} ms, task ${t.taskMs} ms, agent IP ${t.agentIpDelayMs} ms, resources lag ${t.resourcesLagMs} ms)`,
  );
  out(`CA certificate:  ${sim.caCertFile}`);
  out(`API token id:    ${sim.token.tokenId}`);
  if (values['print-token']) {
    out(`API token secret: ${sim.token.secret}`);
  } else if (!values.token) {
    out(
      `API token secret: not printed (it is DEFAULT_TOKEN.secret of @mycopod/pve-simulator; use --print-token)`,
    );
  }
  out(
    `Control:         GET ${sim.clusters[0]?.url}/_sim/stats | GET /_sim/guests | POST /_sim/faults | POST /_sim/reset-stats`,
  );
  out('Press Ctrl+C to stop.');
  return new Promise<number>(resolve => {
    const handlers: Record<string, () => void> = {};
    const shutdown = (signal: string) => {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
      out(`${signal} received, stopping...`);
      sim!.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    handlers.SIGINT = () => shutdown('SIGINT');
    handlers.SIGTERM = () => shutdown('SIGTERM');
    process.on('SIGINT', handlers.SIGINT);
    process.on('SIGTERM', handlers.SIGTERM);
  });
}
