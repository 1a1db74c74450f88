import { isGuestOwner, parseGuestEntityRef } from './guestRules';

describe('guest permission rules', () => {
  it('parses guest entity refs of configured clusters only', () => {
    const clusters = ['lab', 'edge-eu', 'Big.Lab'];
    expect(parseGuestEntityRef('resource:default/lab-100', clusters)).toEqual({
      cluster: 'lab',
      vmid: 100,
    });
    expect(
      parseGuestEntityRef('resource:default/edge-eu-4242', clusters),
    ).toEqual({ cluster: 'edge-eu', vmid: 4242 });
    expect(parseGuestEntityRef('resource:default/big-lab-7', clusters)).toEqual(
      { cluster: 'Big.Lab', vmid: 7 },
    );
    for (const ref of [
      'resource:default/nowhere-100',
      'resource:default/lab-template-9000',
      'resource:other/lab-100',
      'component:default/lab-100',
      'lab-100',
    ]) {
      expect(parseGuestEntityRef(ref, clusters)).toBeUndefined();
    }
  });

  it('IS_GUEST_OWNER matches the owner group of the request, never ownerless guests', () => {
    const claims = ['user:default/dev', 'group:default/team-a'];
    const guest = { cluster: 'lab', vmid: 100 };
    expect(
      isGuestOwner.apply(
        { ...guest, owner: 'group:default/team-a' },
        { claims },
      ),
    ).toBe(true);
    expect(
      isGuestOwner.apply(
        { ...guest, owner: 'group:default/team-b' },
        { claims },
      ),
    ).toBe(false);
    expect(isGuestOwner.apply(guest, { claims })).toBe(false);
    expect(isGuestOwner.toQuery({ claims })).toEqual({
      key: 'owner',
      values: claims,
    });
  });
});
