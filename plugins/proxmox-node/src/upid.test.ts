import {
  isTaskExitOk,
  parseUpid,
  taskWarningCount,
  tryParseUpid,
} from './upid';

describe('UPID parsing', () => {
  it('parses a token-started clone task (real capture, capmox issue 389)', () => {
    const u = parseUpid(
      'UPID:pve-mp:00000ACD:00006AE8:679A423B:qmclone:112:capmox@pve!capi:',
    );
    expect(u).toEqual({
      upid: 'UPID:pve-mp:00000ACD:00006AE8:679A423B:qmclone:112:capmox@pve!capi:',
      node: 'pve-mp',
      pid: 0xacd,
      pstart: 0x6ae8,
      starttime: 0x679a423b,
      type: 'qmclone',
      id: '112',
      user: 'capmox@pve',
      tokenName: 'capi',
    });
  });

  it('parses the Telmate capture (user without token) and matches its task status', () => {
    const u = parseUpid(
      'UPID:x:000039C6:1FE23176:619510B1:qmconfig:113:terraform-prov@pve:',
    );
    expect(u.node).toBe('x');
    expect(u.pid).toBe(14790);
    expect(u.pstart).toBe(534917494);
    expect(u.starttime).toBe(1637159089);
    expect(u.user).toBe('terraform-prov@pve');
    expect(u.tokenName).toBeUndefined();
  });

  it('accepts a 9-digit pstart and an empty id', () => {
    const u = parseUpid(
      'UPID:node-1:0000ABCD:1FE231761:619510B1:vzdump::root@pam:',
    );
    expect(u.pstart).toBe(0x1fe231761);
    expect(u.id).toBe('');
  });

  it.each([
    'UPID:pve:0001:00006AE8:679A423B:qmclone:112:root@pam:', // short pid
    'UPID:pve:00000ACD:00006AE8:679A423B:qmclone:112:root@pam', // no trailing colon
    'UPID:-bad:00000ACD:00006AE8:679A423B:qmclone:112:root@pam:', // node
    'pve:00000ACD:00006AE8:679A423B:qmclone:112:root@pam:',
    '',
  ])('rejects %p', bad => {
    expect(tryParseUpid(bad)).toBeUndefined();
    expect(() => parseUpid(bad)).toThrow(TypeError);
  });

  it('classifies task exit statuses like PVE (OK / WARNINGS: n)', () => {
    expect(isTaskExitOk('OK')).toBe(true);
    expect(isTaskExitOk('WARNINGS: 3')).toBe(true);
    expect(taskWarningCount('WARNINGS: 3')).toBe(2 + 1);
    expect(isTaskExitOk('WARNINGS: x')).toBe(false);
    expect(
      isTaskExitOk(
        "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      ),
    ).toBe(false);
    expect(isTaskExitOk('unexpected status')).toBe(false);
    expect(isTaskExitOk(undefined)).toBe(false);
    expect(taskWarningCount('OK')).toBe(0);
  });
});
