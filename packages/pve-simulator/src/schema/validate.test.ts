import path from 'node:path';
import { describeIfFile, readJson, sharedApiDir } from '../testUtils';
import {
  findPveSchemaMethod,
  listPveSchemaMethods,
  parsePropertyString,
  PveFormatError,
  PveParamSpec,
  validatePveParameters,
} from '.';

const vmid: PveParamSpec = {
  type: 'integer',
  format: 'pve-vmid',
  minimum: 100,
  maximum: 999999999,
};
const node: PveParamSpec = { type: 'string', format: 'pve-node' };

describe('validatePveParameters', () => {
  it('accepts valid parameters and returns an empty object', () => {
    expect(
      validatePveParameters({ node, vmid }, { node: 'pve1', vmid: '100' }),
    ).toEqual({});
    expect(
      validatePveParameters({ node, vmid }, { node: 'pve1', vmid: 100 }),
    ).toEqual({});
  });

  it('reports missing and unknown parameters with PVE texts', () => {
    expect(
      validatePveParameters({ node, vmid }, { node: 'pve1', foo: 'x' }),
    ).toEqual({
      vmid: 'property is missing and it is not optional',
      foo: 'property is not defined in schema and the schema does not allow additional properties',
    });
    expect(
      validatePveParameters(
        { node },
        { node: 'n', foo: 1 },
        { additionalProperties: true },
      ),
    ).toEqual({});
  });

  it('checks types like PVE::JSONSchema::check_type', () => {
    const specs: Record<string, PveParamSpec> = {
      i: { type: 'integer', optional: 1 },
      b: { type: 'boolean', optional: 1 },
      n: { type: 'number', optional: 1 },
      s: { type: 'string', optional: 1 },
    };
    expect(
      validatePveParameters(specs, {
        i: 'abc',
        b: 'true',
        n: '1.2.3',
        s: ['a', 'b'],
      }),
    ).toEqual({
      i: "type check ('integer') failed - got 'abc'",
      b: "type check ('boolean') failed - got 'true'",
      n: "type check ('number') failed - got '1.2.3'",
      s: "type check ('string') failed - got ARRAY",
    });
    // JSON booleans and 1/0 are accepted for booleans, JSON true is not an integer
    expect(validatePveParameters(specs, { b: true, i: 5, n: 1.5 })).toEqual({});
    expect(validatePveParameters(specs, { b: 0 })).toEqual({});
    expect(validatePveParameters(specs, { i: true })).toEqual({
      i: "type check ('integer') failed - got JSON::PP::Boolean",
    });
    expect(validatePveParameters(specs, { s: { a: 1 } })).toEqual({
      s: "type check ('string') failed - got HASH",
    });
  });

  it('checks enum, range, length and pattern', () => {
    const specs: Record<string, PveParamSpec> = {
      type: {
        type: 'string',
        enum: ['vm', 'storage', 'node', 'sdn'],
        optional: 1,
      },
      vmid: { ...vmid, optional: 1, format: undefined },
      name: { type: 'string', maxLength: 5, optional: 1 },
      short: { type: 'string', minLength: 3, optional: 1 },
      size: {
        type: 'string',
        pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?',
        optional: 1,
      },
    };
    expect(
      validatePveParameters(specs, {
        type: 'pool',
        vmid: '99',
        name: 'abcdef',
        short: 'ab',
        size: '10X',
      }),
    ).toEqual({
      type: "value 'pool' does not have a value in the enumeration 'vm, storage, node, sdn'",
      vmid: 'value must have a minimum value of 100',
      name: 'value may only be 5 characters long',
      short: 'value must be at least 3 characters long',
      size: 'value does not match the regex pattern',
    });
    expect(validatePveParameters(specs, { vmid: '1000000000' })).toEqual({
      vmid: 'value must have a maximum value of 999999999',
    });
    expect(validatePveParameters(specs, { size: '+10G' })).toEqual({});
  });

  it('reports format errors with the trailing newline', () => {
    expect(
      validatePveParameters({ node, vmid }, { node: 'bad_node', vmid: '99' }),
    ).toEqual({
      node: 'invalid format - value does not look like a valid node name\n',
      vmid: 'invalid format - value does not look like a valid VM ID\n',
    });
    const specs: Record<string, PveParamSpec> = {
      name: { type: 'string', format: 'dns-name', optional: 1 },
      snapname: { type: 'string', format: 'pve-configid', optional: 1 },
      sshkeys: { type: 'string', format: 'urlencoded', optional: 1 },
      tags: { type: 'string', format: 'pve-tag-list', optional: 1 },
      storage: { type: 'string', format: 'pve-storage-id', optional: 1 },
    };
    expect(
      validatePveParameters(specs, {
        name: 'my_vm',
        snapname: '1x',
        sshkeys: 'ssh-ed25519 AAA',
        tags: 'ok;b@d',
        storage: 'x:',
      }),
    ).toEqual({
      name: 'invalid format - value does not look like a valid DNS name\n',
      snapname: "invalid format - invalid configuration ID '1x'\n",
      sshkeys: 'invalid format - invalid urlencoded string: ssh-ed25519 AAA\n',
      tags: 'invalid format - invalid characters in tag\n',
      storage: "invalid format - storage ID 'x:' contains illegal characters\n",
    });
    expect(
      validatePveParameters(specs, {
        tags: 'a;b,c d',
        sshkeys: encodeURIComponent('ssh-ed25519 AAAA x@y'),
      }),
    ).toEqual({});
  });

  it('validates property strings with default keys, aliases and sub-formats', () => {
    const net: PveParamSpec = {
      type: 'string',
      optional: 1,
      format: {
        model: { type: 'string', default_key: 1, enum: ['virtio', 'e1000'] },
        virtio: { alias: 'macaddr', keyAlias: 'model' },
        e1000: { alias: 'macaddr', keyAlias: 'model' },
        macaddr: { type: 'string', format: 'mac-addr', optional: 1 },
        bridge: { type: 'string', format: 'pve-bridge-id', optional: 1 },
        firewall: { type: 'boolean', optional: 1 },
        tag: { type: 'integer', minimum: 1, maximum: 4094, optional: 1 },
      },
    };
    const specs = { 'net[n]': net };
    expect(
      validatePveParameters(specs, {
        net0: 'virtio,bridge=vmbr0,firewall=yes',
      }),
    ).toEqual({});
    expect(
      validatePveParameters(specs, {
        net1: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=4095',
      }),
    ).toEqual({
      net1: 'invalid format - format error\nnet1.tag: value must have a maximum value of 4094\n',
    });
    expect(validatePveParameters(specs, { net2: 'virtio,foo=1' })).toEqual({
      net2: 'invalid format - invalid key in comma-separated list property: foo\n',
    });
    expect(validatePveParameters(specs, { net3: 'virtio,e1000' })).toEqual({
      net3: 'invalid format - duplicate key in comma-separated list property: model\n',
    });
    // index limits of expanded keys (MAX_NETS = 32)
    expect(validatePveParameters(specs, { net32: 'virtio' })).toEqual({
      net32:
        'property is not defined in schema and the schema does not allow additional properties',
    });
    expect(
      parsePropertyString(
        net.format as Record<string, PveParamSpec>,
        'e1000=BC:24:11:00:00:02,firewall=on',
      ),
    ).toEqual({
      model: 'e1000',
      macaddr: 'BC:24:11:00:00:02',
      firewall: '1',
    });
    expect(() => parsePropertyString('pve-qm-ipconfig', 'gw=10.0.0.1')).toThrow(
      PveFormatError,
    );
  });

  it('checks `requires` and named hash formats (ipconfig)', () => {
    const specs: Record<string, PveParamSpec> = {
      'ipconfig[n]': { type: 'string', format: 'pve-qm-ipconfig', optional: 1 },
      type: { type: 'string', optional: 1, requires: 'poolid' },
      poolid: { type: 'string', optional: 1 },
    };
    expect(
      validatePveParameters(specs, {
        ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
        type: 'qemu',
      }),
    ).toEqual({
      poolid: "missing property - 'type' requires this property",
    });
    expect(
      validatePveParameters(specs, { ipconfig0: 'ip=10.0.0.5,gw=10.0.0.1' }),
    ).toEqual({
      ipconfig0:
        'invalid format - format error\nipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n',
    });
  });

  it('joins a JSON array for *-list formats (legacy normalization)', () => {
    const specs: Record<string, PveParamSpec> = {
      delete: { type: 'string', format: 'pve-configid-list', optional: 1 },
    };
    expect(validatePveParameters(specs, { delete: ['net1', 'scsi1'] })).toEqual(
      {},
    );
    expect(validatePveParameters(specs, { delete: 'net1,1bad' })).toEqual({
      delete: "invalid format - invalid configuration ID '1bad'\n",
    });
  });
});

describe('findPveSchemaMethod (inline tree)', () => {
  const tree = [
    {
      path: '/nodes',
      info: { GET: { name: 'index' } },
      children: [
        {
          path: '/nodes/{node}',
          children: [
            {
              path: '/nodes/{node}/qemu',
              info: { GET: { name: 'vmlist' }, POST: { name: 'create_vm' } },
            },
          ],
        },
      ],
    },
  ];
  it('finds templates and concrete paths', () => {
    expect(findPveSchemaMethod(tree, 'GET', '/nodes/{node}/qemu')?.name).toBe(
      'vmlist',
    );
    expect(
      findPveSchemaMethod(tree, 'post', '/api2/json/nodes/pve1/qemu')?.name,
    ).toBe('create_vm');
    expect(
      findPveSchemaMethod(tree, 'DELETE', '/nodes/{node}/qemu'),
    ).toBeUndefined();
    expect(
      listPveSchemaMethods(tree).map(m => `${m.method} ${m.path}`),
    ).toEqual([
      'GET /nodes',
      'GET /nodes/{node}/qemu',
      'POST /nodes/{node}/qemu',
    ]);
  });
});

const apidataFile = path.join(sharedApiDir(), 'apidata-pve8.4.json');

describeIfFile(apidataFile)(
  'validator against the official PVE 8.4 schema',
  () => {
    let apidata: unknown;
    beforeAll(() => {
      apidata = readJson(apidataFile);
    });

    it('validates a realistic clone + config update', () => {
      const clone = findPveSchemaMethod(
        apidata,
        'POST',
        '/nodes/{node}/qemu/{vmid}/clone',
      )!;
      expect(clone.name).toBe('clone_vm');
      const props = clone.parameters!.properties!;
      expect(
        validatePveParameters(props, {
          node: 'pve1',
          vmid: 9000,
          newid: 123,
          name: 'web-01',
          full: 1,
        }),
      ).toEqual({});
      expect(
        validatePveParameters(props, {
          node: 'pve1',
          vmid: 9000,
          newid: 123,
          name: 'web_01',
        }),
      ).toEqual({
        name: 'invalid format - value does not look like a valid DNS name\n',
      });
      const cfg = findPveSchemaMethod(
        apidata,
        'POST',
        '/nodes/pve1/qemu/123/config',
      )!;
      expect(
        validatePveParameters(cfg.parameters!.properties!, {
          node: 'pve1',
          vmid: '123',
          memory: '4096',
          cores: 2,
          net0: 'virtio,bridge=vmbr0,firewall=1',
          scsi0: 'local-lvm:32,iothread=1,discard=on',
          ipconfig0: 'ip=dhcp',
          agent: 'enabled=1',
          tags: 'mycopod;web',
          onboot: true,
          sshkeys: encodeURIComponent('ssh-ed25519 AAAAC3Nza user@host'),
        }),
      ).toEqual({});
      expect(
        validatePveParameters(cfg.parameters!.properties!, {
          node: 'pve1',
          vmid: '123',
          agent: 'enabled=maybe',
          memory: '8',
        }),
      ).toEqual({
        agent:
          "invalid format - format error\nagent.enabled: type check ('boolean') failed - got 'maybe'\n",
        memory:
          'invalid format - format error\nmemory.current: value must have a minimum value of 16\n',
      });
    });
  },
);
