// OTLP/JSON checked against the official opentelemetry-proto definitions (the .proto files
// @opentelemetry/otlp-grpc-exporter-base ships), loaded by protobufjs: every key must be a
// field of the message the proto declares there (unknown fields are rejected), values must
// have the field's type, trace and span ids must be hex of 16 and 8 bytes (OTLP/JSON's one
// departure from proto3 JSON), and the result must survive a binary encode and decode as
// `TracesData`.
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

const PROTOS = path.join(path.dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build/protos');

let root: protobuf.Root | undefined;

function tracesDataType(): protobuf.Type {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => path.join(PROTOS, target);
    root.loadSync('opentelemetry/proto/trace/v1/trace.proto');
    root.resolveAll();
  }
  return root.lookupType('opentelemetry.proto.trace.v1.TracesData');
}

const ID_BYTES: Record<string, number> = { traceId: 16, spanId: 8, parentSpanId: 8 };
const INT64 = new Set(['int64', 'uint64', 'fixed64', 'sfixed64', 'sint64']);

/** The message as protobufjs takes it (ids as bytes), or an error naming the path. */
function convert(type: protobuf.Type, json: unknown, at: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${at}: expected an object for ${type.name}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key] ?? Object.values(type.fields).find((f) => f.name === key);
    if (!field) throw new Error(`${at}.${key}: unknown field of ${type.fullName}`);
    const one = (v: unknown, p: string): unknown => scalar(field, v, p);
    out[field.name] = field.repeated ? (Array.isArray(value) ? value.map((v, i) => one(v, `${at}.${key}[${i}]`)) : fail(`${at}.${key}: expected an array`)) : one(value, `${at}.${key}`);
  }
  // A oneof (AnyValue.value) holds one member at most.
  for (const oneof of type.oneofsArray) if (oneof.oneof.filter((n) => n in out).length > 1) throw new Error(`${at}: more than one of ${oneof.name}`);
  return out;
}

function fail(message: string): never {
  throw new Error(message);
}

function scalar(field: protobuf.Field, v: unknown, at: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return convert(resolved, v, at);
  if (resolved instanceof protobuf.Enum) return Number.isInteger(v) && Object.values(resolved.values).includes(v as number) ? v : fail(`${at}: expected an enum number of ${resolved.name}`);
  if (field.type === 'bytes') {
    const n = ID_BYTES[field.name];
    if (n === undefined) return fail(`${at}: unexpected bytes field`);
    return typeof v === 'string' && new RegExp(`^[0-9a-f]{${2 * n}}$`).test(v) ? Buffer.from(v, 'hex') : fail(`${at}: expected ${2 * n} lower-case hex`);
  }
  if (INT64.has(field.type)) return typeof v === 'string' && /^-?\d+$/.test(v) ? v : fail(`${at}: expected a decimal string (${field.type})`);
  if (field.type === 'string') return typeof v === 'string' ? v : fail(`${at}: expected a string`);
  if (field.type === 'bool') return typeof v === 'boolean' ? v : fail(`${at}: expected a boolean`);
  if (field.type === 'double') return typeof v === 'number' ? v : fail(`${at}: expected a number`);
  return Number.isInteger(v) ? v : fail(`${at}: expected an integer (${field.type})`);
}

/** Decodes OTLP/JSON into TracesData strictly; returns it as protobufjs reads it back from the wire. */
export function decodeTracesData(json: unknown): Record<string, unknown> {
  const type = tracesDataType();
  const message = type.fromObject(convert(type, json, '$'));
  const problem = type.verify(message);
  if (problem) throw new Error(problem);
  const decoded = type.decode(type.encode(message).finish());
  return type.toObject(decoded, { longs: String, bytes: String, defaults: false }) as Record<string, unknown>;
}
