import { deepWithoutEmpty, parseSpec } from './spec';
import { labSpec } from './__testUtils__/testBackend';

describe('deepWithoutEmpty', () => {
  it('drops empty optional values at every depth', () => {
    expect(
      deepWithoutEmpty({
        a: '',
        b: null,
        c: undefined,
        d: 0,
        e: false,
        f: { g: '', h: 'x', i: [] },
        j: ['', 'k', null],
      }),
    ).toEqual({ d: 0, e: false, f: { h: 'x', i: [] }, j: ['k'] });
  });
});

describe('parseSpec', () => {
  it('accepts a spec whose unset optional fields rendered to empty strings', () => {
    const spec = parseSpec(
      labSpec({
        node: '',
        leaseDays: '',
        cloudInit: { ...labSpec().cloudInit, ipv6: '' },
      }),
    );
    expect(spec).not.toHaveProperty('node');
    expect(spec).not.toHaveProperty('leaseDays');
    expect(spec.cloudInit).not.toHaveProperty('ipv6');
  });

  it('names every invalid field', () => {
    expect(() =>
      parseSpec(labSpec({ name: 'Not_A_Label', cores: 0, owner: 'team-a' })),
    ).toThrow(
      /The VM spec is invalid: .*name: must be a DNS label.*cores: .*owner: must be a group entity ref/,
    );
  });
});
