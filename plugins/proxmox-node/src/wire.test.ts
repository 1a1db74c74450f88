import {
  decodeForm,
  decodeSshKeys,
  encodeForm,
  encodeSshKeys,
  fillPathTemplate,
  parsePropertyString,
  splitTags,
} from './wire';

describe('wire encoding', () => {
  it('form-encodes booleans as 1/0, numbers as decimals, sorted keys', () => {
    expect(
      encodeForm({ onboot: true, full: false, cores: 2, name: 'a b' }),
    ).toBe('cores=2&full=0&name=a%20b&onboot=1');
  });

  it('round-trips UTF-8 and reserved characters through PVE-style decoding', () => {
    const params = { description: 'Ünïcode & = + ; / ? #\nline2' };
    expect(decodeForm(encodeForm(params))).toEqual(params);
  });

  it('double-encodes sshkeys so the decoded form value matches the urlencoded format', () => {
    const keys = [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT alice@example',
      'ssh-rsa AAAAB3Nza/C1yc2E= bob@example',
    ];
    const wire = encodeForm({ sshkeys: encodeSshKeys(keys) });
    // what PVE sees after decoding the form body
    const seen = decodeForm(wire).sshkeys;
    expect(seen).toMatch(/^[-%a-zA-Z0-9_.!~*'()]*$/);
    expect(seen).toContain('ssh-ed25519%20AAAA');
    expect(seen).toContain('%2B'); // '+' must survive as %2B, not become a space
    expect(seen).toContain('%0A'); // keys are newline separated
    // PVE uri_unescapes it before validating the keys
    expect(decodeURIComponent(seen)).toBe(keys.join('\n'));
    expect(wire).toContain('%2520'); // the % itself is encoded in the body
  });

  it('decodes sshkeys returned URL-encoded by GET config, tolerating bad escapes', () => {
    expect(decodeSshKeys('ssh-ed25519%20AAAA%2Bx')).toBe('ssh-ed25519 AAAA+x');
    expect(decodeSshKeys('100%')).toBe('100%');
  });

  it('fills path templates and percent-encodes UPIDs', () => {
    const upid =
      'UPID:pve-mp:00000ACD:00006AE8:679A423B:qmclone:112:capmox@pve!capi:';
    const p = fillPathTemplate('/nodes/{node}/tasks/{upid}/status', {
      node: 'pve-mp',
      upid,
    });
    expect(p).toBe(`/nodes/pve-mp/tasks/${encodeURIComponent(upid)}/status`);
    expect(decodeURIComponent(p)).toContain(upid);
    expect(() => fillPathTemplate('/nodes/{node}', {})).toThrow(/node/);
  });

  it('parses property strings with a default key', () => {
    expect(
      parsePropertyString(
        'virtio=BC:24:11:20:4E:3F,bridge=vmbr0,firewall=1',
        'model',
      ),
    ).toEqual({
      virtio: 'BC:24:11:20:4E:3F',
      bridge: 'vmbr0',
      firewall: '1',
    });
    expect(
      parsePropertyString('local-lvm:vm-101-disk-0,size=32G', 'file'),
    ).toEqual({
      file: 'local-lvm:vm-101-disk-0',
      size: '32G',
    });
    expect(parsePropertyString('1', 'enabled')).toEqual({ enabled: '1' });
  });

  it('splits tag lists on ; , and whitespace', () => {
    expect(splitTags('blue;red')).toEqual(['blue', 'red']);
    expect(splitTags('a, b  c;;')).toEqual(['a', 'b', 'c']);
    expect(splitTags('')).toEqual([]);
    expect(splitTags(undefined)).toEqual([]);
  });
});
