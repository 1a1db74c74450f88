import { ProxmoxApiError } from '../../api';
import { describeActionError } from './actionError';
import { changeRows, changeSummary, formatFieldValue } from './formatChange';

describe('formatChange', () => {
  it('reads a resize as old → new in units', () => {
    expect(
      changeSummary({
        before: { memoryMiB: 4096, cores: 2, diskGiB: 32 },
        after: { memoryMiB: 8192, cores: 4, diskGiB: 32 },
      }),
    ).toBe('Memory 4 GiB → 8 GiB, Cores 2 vCPU → 4 vCPU');
  });

  it('lists only the fields the change sets', () => {
    const rows = changeRows({
      before: { name: 'web-1', status: 'running', cores: 2 },
      after: { status: 'destroyed' },
    });
    expect(rows).toEqual([
      {
        field: 'status',
        label: 'Power',
        before: 'running',
        after: 'destroyed',
      },
    ]);
    expect(changeRows(undefined)).toEqual([]);
  });

  it('formats lists, networks, days and unknown fields', () => {
    expect(formatFieldValue('securityGroups', ['web', 'ssh'])).toBe('web, ssh');
    expect(formatFieldValue('securityGroups', [])).toBe('none');
    expect(formatFieldValue('network', { bridge: 'vmbr0', vlan: 20 })).toBe(
      'bridge vmbr0, VLAN 20',
    );
    expect(formatFieldValue('network', { vnet: 'prod' })).toBe('SDN vnet prod');
    expect(formatFieldValue('days', 1)).toBe('1 day');
    expect(formatFieldValue('memoryMiB', undefined)).toBe('–');
    expect(changeSummary({ before: { fooBar: 1 }, after: { fooBar: 2 } })).toBe(
      'Foo bar 1 → 2',
    );
  });
});

describe('describeActionError', () => {
  it('says when to retry after a 429', () => {
    const at = new Date(2026, 11, 3, 10, 0, 0).getTime();
    const text = describeActionError(
      new ProxmoxApiError(
        'Too many guest actions: at most 10 in 60 seconds per user. Try again in 42 seconds.',
        429,
        [],
        [],
        undefined,
        42,
      ),
      'start the guest',
      at,
    );
    expect(text.title).toBe('Too many actions in a short time');
    expect(text.messages[0]).toMatch(/at most 10 in 60 seconds/);
    expect(text.messages[1]).toBe(
      `Try again in 42 s (after ${new Date(
        at + 42_000,
      ).toLocaleTimeString()}).`,
    );
  });

  it('tells a busy guest and a denial apart from other errors', () => {
    expect(
      describeActionError(new ProxmoxApiError('locked', 409), 'x').title,
    ).toBe('The guest is busy');
    expect(
      describeActionError(
        new ProxmoxApiError('You are not allowed to do this', 403),
        'take a snapshot',
      ),
    ).toMatchObject({ title: 'You may not take a snapshot', status: 403 });
    expect(
      describeActionError(new ProxmoxApiError('boom', 502), 'take a snapshot'),
    ).toEqual({
      status: 502,
      title: 'Could not take a snapshot',
      messages: ['boom'],
    });
    expect(describeActionError(new Error('offline'), 'x').messages).toEqual([
      'offline',
    ]);
  });
});
