import { findBootDisk, parseDiskSizeGiB } from './bootDisk';
import { canonicalJson, contentHash } from './canonical';
import { describeFailure } from './describeFailure';

describe('parseDiskSizeGiB', () => {
  it.each([
    ['32G', 32],
    ['3584M', 3.5],
    ['1T', 1024],
    ['1048576K', 1],
    ['2147483648', 2],
    ['2.5G', 2.5],
    ['10g', 10],
  ])('%s → %d GiB', (size, gib) => {
    expect(parseDiskSizeGiB(size)).toBe(gib);
  });

  it('rejects what is not a size', () => {
    expect(parseDiskSizeGiB('big')).toBeUndefined();
    expect(parseDiskSizeGiB('32P')).toBeUndefined();
    expect(parseDiskSizeGiB('')).toBeUndefined();
  });
});

describe('findBootDisk', () => {
  it('takes the first disk of boot order, skipping CD-ROMs and cloud-init drives', () => {
    expect(
      findBootDisk({
        boot: 'order=ide2;virtio1;net0',
        ide2: 'local:iso/ubuntu.iso,media=cdrom',
        scsi0: 'local-lvm:vm-100-disk-0,size=8G',
        virtio1: 'nfs-shared:100/vm-100-disk-1.qcow2,size=40G',
      }),
    ).toEqual({ key: 'virtio1', storage: 'nfs-shared', sizeGiB: 40 });
  });

  it('uses the legacy bootdisk key', () => {
    expect(
      findBootDisk({
        bootdisk: 'sata1',
        sata0: 'local-lvm:vm-1-disk-0,size=1G',
        sata1: 'local-lvm:vm-1-disk-1,size=20G',
      }),
    ).toEqual({ key: 'sata1', storage: 'local-lvm', sizeGiB: 20 });
  });

  it('falls back to the first scsi/virtio/sata/ide disk that is not cloud-init', () => {
    expect(
      findBootDisk({
        boot: 'order=net0',
        ide0: 'local-lvm:vm-9000-cloudinit,media=cdrom',
        ide1: 'local-lvm:vm-9000-cloudinit',
        virtio2: 'local-lvm:vm-9000-disk-1,size=2G',
        scsi10: 'local-lvm:vm-9000-disk-2,size=3G',
        scsi2: 'local-lvm:base-9000-disk-0,size=3584M',
      }),
    ).toEqual({ key: 'scsi2', storage: 'local-lvm', sizeGiB: 3.5 });
  });

  it('has no storage for a path and size 0 without size=', () => {
    expect(findBootDisk({ scsi0: '/dev/sdb,iothread=1' })).toEqual({
      key: 'scsi0',
      storage: undefined,
      sizeGiB: 0,
    });
    expect(findBootDisk({ ide2: 'none,media=cdrom', net0: 'virtio' })).toBe(
      undefined,
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } }),
    ).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});

describe('describeFailure', () => {
  it('masks anything that looks like a credential and shortens long texts', () => {
    expect(
      describeFailure(
        new Error(
          'sent Authorization: PVEAPIToken=root@pam!x=s3cr3t and got 401',
        ),
      ),
    ).toBe('sent Authorization: [redacted] and got 401');
    expect(describeFailure('x'.repeat(500))).toHaveLength(300);
    expect(describeFailure(42)).toBe('unknown error');
  });
});
