// A check of Nomad's JSON job format, written from its documented job specification (no Nomad
// binary is available here): every key must be a documented field with the documented type,
// required fields must be there, and the rules Nomad applies on submit (restart interval at
// least 5 s and longer than attempts x delay, periodic only for batch jobs, a cron of 5 or 7
// fields) are applied too.
import assert from 'node:assert/strict';

type Spec = 'string' | 'int' | 'bool' | 'strings' | 'stringMap' | 'any' | { fields: Record<string, Spec>; required?: string[] } | { list: Spec };

const PORT: Spec = { fields: { Label: 'string', Value: 'int', To: 'int', HostNetwork: 'string' }, required: ['Label'] };
const CHECK: Spec = {
  fields: { Name: 'string', Type: 'string', Path: 'string', PortLabel: 'string', Method: 'string', Protocol: 'string', Interval: 'int', Timeout: 'int' },
  required: ['Type', 'Interval', 'Timeout'],
};
const SERVICE: Spec = {
  fields: { Name: 'string', PortLabel: 'string', Provider: 'string', Tags: 'strings', Checks: { list: CHECK }, Meta: 'stringMap' },
  required: ['Name'],
};
const TASK: Spec = {
  fields: {
    Name: 'string',
    Driver: 'string',
    User: 'string',
    Config: 'any',
    Env: 'stringMap',
    KillSignal: 'string',
    KillTimeout: 'int',
    Templates: { list: { fields: { SourcePath: 'string', DestPath: 'string', EmbeddedTmpl: 'string', Envvars: 'bool', ChangeMode: 'string' } } },
    Services: { list: SERVICE },
    Resources: { fields: { CPU: 'int', Cores: 'int', MemoryMB: 'int', MemoryMaxMB: 'int' } },
    Meta: 'stringMap',
  },
  required: ['Name', 'Driver', 'Config'],
};
const GROUP: Spec = {
  fields: {
    Name: 'string',
    Count: 'int',
    RestartPolicy: { fields: { Attempts: 'int', Interval: 'int', Delay: 'int', Mode: 'string' } },
    Networks: { list: { fields: { Mode: 'string', DynamicPorts: { list: PORT }, ReservedPorts: { list: PORT } } } },
    Services: { list: SERVICE },
    Tasks: { list: TASK },
    Meta: 'stringMap',
  },
  required: ['Name', 'Tasks'],
};
const JOB: Spec = {
  fields: {
    ID: 'string',
    Name: 'string',
    Type: 'string',
    Namespace: 'string',
    Region: 'string',
    Datacenters: 'strings',
    Meta: 'stringMap',
    Periodic: { fields: { Enabled: 'bool', SpecType: 'string', Spec: 'string', ProhibitOverlap: 'bool', TimeZone: 'string' } },
    TaskGroups: { list: GROUP },
  },
  required: ['ID', 'Type', 'TaskGroups'],
};

function check(value: unknown, spec: Spec, path: string): void {
  if (spec === 'any') return;
  if (spec === 'string') return assert.equal(typeof value, 'string', `${path} must be a string`);
  if (spec === 'bool') return assert.equal(typeof value, 'boolean', `${path} must be a boolean`);
  if (spec === 'int') return assert.ok(Number.isInteger(value), `${path} must be an integer (durations are nanoseconds)`);
  if (spec === 'strings') {
    assert.ok(Array.isArray(value) && value.every((v) => typeof v === 'string'), `${path} must be a list of strings`);
    return;
  }
  if (spec === 'stringMap') {
    assert.ok(isObject(value) && Object.values(value).every((v) => typeof v === 'string'), `${path} must map names to strings`);
    return;
  }
  if ('list' in spec) {
    assert.ok(Array.isArray(value), `${path} must be a list`);
    value.forEach((item, index) => check(item, spec.list, `${path}[${index}]`));
    return;
  }
  assert.ok(isObject(value), `${path} must be an object`);
  for (const key of Object.keys(value)) assert.ok(key in spec.fields, `${path}.${key} is not a documented field`);
  for (const key of spec.required ?? []) assert.ok(key in value, `${path}.${key} is required`);
  for (const [key, field] of Object.entries(value)) check(field, spec.fields[key] ?? 'any', `${path}.${key}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SECOND = 1_000_000_000;

export function checkNomadJob(document: unknown, file: string): void {
  assert.ok(isObject(document) && Object.keys(document).join() === 'Job', `${file}: the JSON job format wraps the job in {"Job": ...}`);
  check(document.Job, JOB, `${file}: Job`);
  const job = document.Job as { Type: string; Periodic?: { SpecType: string; Spec: string }; TaskGroups: Array<Record<string, unknown>> };
  assert.ok(['service', 'batch', 'system', 'sysbatch'].includes(job.Type), `${file}: Job.Type ${job.Type}`);
  if (job.Periodic !== undefined) {
    assert.ok(job.Type === 'batch' || job.Type === 'sysbatch', `${file}: only batch jobs may be periodic`);
    assert.equal(job.Periodic.SpecType, 'cron');
    const fields = job.Periodic.Spec.split(/\s+/).length;
    assert.ok(fields === 5 || fields === 7, `${file}: a Nomad cron has 5 fields, or 7 with seconds first and a year last (got ${fields})`);
  }
  for (const group of job.TaskGroups) {
    const policy = group.RestartPolicy as { Attempts: number; Interval?: number; Delay?: number; Mode: string } | undefined;
    if (policy !== undefined) {
      assert.ok(['fail', 'delay'].includes(policy.Mode), `${file}: RestartPolicy.Mode ${policy.Mode}`);
      if (policy.Interval !== undefined) {
        assert.ok(policy.Interval >= 5 * SECOND, `${file}: RestartPolicy.Interval must be at least 5 s`);
        assert.ok(policy.Attempts * (policy.Delay ?? 0) < policy.Interval, `${file}: attempts x delay must be below the interval`);
      }
    }
    const labels = new Set(
      ((group.Networks ?? []) as Array<{ DynamicPorts?: Array<{ Label: string }> }>).flatMap((n) => (n.DynamicPorts ?? []).map((p) => p.Label)),
    );
    for (const service of (group.Services ?? []) as Array<{ PortLabel?: string; Provider?: string; Checks?: Array<{ Type: string; Path?: string }> }>) {
      if (service.PortLabel !== undefined) assert.ok(labels.has(service.PortLabel), `${file}: service port ${service.PortLabel} is not a group port`);
      for (const check of service.Checks ?? []) {
        // Nomad's own service discovery (Provider nomad) runs http and tcp checks only.
        const types = service.Provider === 'nomad' ? ['http', 'tcp'] : ['http', 'tcp', 'script', 'grpc'];
        assert.ok(types.includes(check.Type), `${file}: check type ${check.Type}`);
        if (check.Type === 'http') assert.ok(check.Path?.startsWith('/'), `${file}: an http check needs a Path`);
        if (check.Type === 'http' || check.Type === 'tcp') assert.ok(service.PortLabel !== undefined, `${file}: a ${check.Type} check needs the service's port`);
      }
    }
    for (const task of group.Tasks as Array<{ Driver: string; Config: { command?: unknown; args?: unknown } }>) {
      if (task.Driver === 'raw_exec' || task.Driver === 'exec') {
        assert.ok(typeof task.Config.command === 'string' && task.Config.command.startsWith('/'), `${file}: a host command must be absolute`);
        assert.ok(task.Config.args === undefined || Array.isArray(task.Config.args), `${file}: args must be a list`);
      }
    }
  }
}
