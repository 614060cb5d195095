/**
 * Protobuf schemas with protobufjs (parsing, imports resolved from the references, google/protobuf well-known
 * types). Compatibility follows Confluent's Protobuf rules, which compare field numbers and wire types (names are
 * not on the wire): from the writer's schema to the reader's, adding or removing fields, messages' renames of
 * fields and enum changes are compatible; a changed package, a removed message, a field whose type changes wire
 * type or named type, a scalar turned message, a repeated/singular change of a non length-delimited field, a
 * proto2 `required` added or removed, and a field moved into an existing oneof (or several into a new one) are not.
 * protobufjs parses but has no compatibility check, so this diff is written here.
 */
import protobuf from 'protobufjs';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaFormat } from './types.ts';

export interface ProtobufSchema extends ParsedSchema {
  root: protobuf.Root;
  packageName: string;
  /** Full names (with the leading dot) of the messages this file declares, nested ones included. */
  messages: string[];
}

const WIRE_GROUPS: Record<string, string> = {
  int32: 'varint',
  uint32: 'varint',
  int64: 'varint',
  uint64: 'varint',
  bool: 'varint',
  sint32: 'zigzag',
  sint64: 'zigzag',
  fixed32: 'fixed32',
  sfixed32: 'fixed32',
  fixed64: 'fixed64',
  sfixed64: 'fixed64',
  float: 'float',
  double: 'double',
  string: 'length',
  bytes: 'length',
};

function parseInto(root: protobuf.Root, text: string, what: string): protobuf.IParserResult {
  try {
    return protobuf.parse(text, root, { keepCase: true, alternateCommentMode: true });
  } catch (err) {
    throw new InvalidSchemaError(`${what}: ${(err as Error).message}`);
  }
}

function addWellKnownImports(root: protobuf.Root, imports: string[] | undefined, added: Set<string>): void {
  for (const path of imports ?? []) {
    if (!path.startsWith('google/protobuf/') || added.has(path)) continue;
    const common = protobuf.common.get(path);
    if (common?.nested) {
      root.addJSON(common.nested);
      added.add(path);
    }
  }
}

function messagesOf(ns: protobuf.NamespaceBase, out: string[]): string[] {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested.fullName);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) messagesOf(nested, out);
  }
  return out;
}

interface FieldShape {
  kind: 'scalar' | 'enum' | 'message' | 'map';
  type: string;
  repeated: boolean;
  required: boolean;
  oneof: string | null;
}

function shape(field: protobuf.Field): FieldShape {
  const oneof = field.partOf && !field.partOf.name.startsWith('_') ? field.partOf.name : null;
  if (field instanceof protobuf.MapField) {
    const valueType = field.resolvedType ? field.resolvedType.fullName : field.type;
    return { kind: 'map', type: `${field.keyType},${valueType}`, repeated: true, required: false, oneof };
  }
  const resolved = field.resolvedType;
  const kind = resolved instanceof protobuf.Enum ? 'enum' : resolved ? 'message' : 'scalar';
  return {
    kind,
    type: resolved ? resolved.fullName : field.type,
    repeated: field.repeated,
    required: field.required,
    oneof,
  };
}

function lengthDelimited(s: FieldShape): boolean {
  return s.kind === 'message' || s.kind === 'map' || WIRE_GROUPS[s.type] === 'length';
}

function typeProblem(name: string, w: FieldShape, r: FieldShape): string | null {
  if (w.kind === 'map' || r.kind === 'map') {
    return w.kind === r.kind && w.type === r.type ? null : `${name}: map type changed`;
  }
  if (w.kind === 'message' || r.kind === 'message') {
    if (w.kind !== r.kind) return `${name}: changed between a message and a scalar (FIELD_KIND_CHANGED)`;
    return w.type === r.type
      ? null
      : `${name}: message type changed from ${w.type} to ${r.type} (FIELD_NAMED_TYPE_CHANGED)`;
  }
  if (w.kind === 'enum' && r.kind === 'enum') {
    return w.type === r.type
      ? null
      : `${name}: enum type changed from ${w.type} to ${r.type} (FIELD_NAMED_TYPE_CHANGED)`;
  }
  const group = (s: FieldShape) => (s.kind === 'enum' ? 'varint' : WIRE_GROUPS[s.type]);
  if (w.type === r.type || group(w) === group(r)) return null;
  return `${name}: type changed from ${w.type} to ${r.type}, another wire type (FIELD_SCALAR_KIND_CHANGED)`;
}

function messageProblems(w: protobuf.Type, r: protobuf.Type): string[] {
  const problems: string[] = [];
  const readerById = new Map(r.fieldsArray.map((f) => [f.id, f]));
  const writerById = new Map(w.fieldsArray.map((f) => [f.id, f]));
  for (const wf of w.fieldsArray) {
    const name = `${w.fullName.slice(1)}.${wf.name} (field ${wf.id})`;
    const rf = readerById.get(wf.id);
    const ws = shape(wf);
    if (!rf) {
      if (ws.required) problems.push(`${name}: required field removed (REQUIRED_FIELD_REMOVED)`);
      if (ws.oneof) problems.push(`${name}: field removed from oneof ${ws.oneof} (ONEOF_FIELD_REMOVED)`);
      continue;
    }
    const rs = shape(rf);
    const tp = typeProblem(name, ws, rs);
    if (tp) problems.push(tp);
    if (ws.repeated !== rs.repeated && !(lengthDelimited(ws) && lengthDelimited(rs))) {
      problems.push(`${name}: changed between repeated and singular (FIELD_NUMERIC_LABEL_CHANGED)`);
    }
    if (ws.required !== rs.required) problems.push(`${name}: required changed (FIELD_REQUIRED_CHANGED)`);
    if (rs.oneof && !ws.oneof) {
      const oneofExisted = w.oneofsArray.some((o) => o.name === rs.oneof);
      const moved = r.fieldsArray.filter((f) => {
        const before = writerById.get(f.id);
        return shape(f).oneof === rs.oneof && before !== undefined && shape(before).oneof === null;
      });
      if (oneofExisted) problems.push(`${name}: moved into existing oneof ${rs.oneof} (FIELD_MOVED_TO_EXISTING_ONEOF)`);
      else if (moved.length > 1)
        problems.push(`${name}: one of several fields moved into oneof ${rs.oneof} (MULTIPLE_FIELDS_MOVED_TO_ONEOF)`);
    }
  }
  for (const rf of r.fieldsArray) {
    if (!writerById.has(rf.id) && rf.required) {
      problems.push(`${r.fullName.slice(1)}.${rf.name} (field ${rf.id}): required field added (REQUIRED_FIELD_ADDED)`);
    }
  }
  return problems;
}

export const protobufFormat: SchemaFormat<ProtobufSchema> = {
  parse(text, refs: ResolvedReference[]) {
    const own = parseInto(new protobuf.Root(), text, 'schema');
    const messages = messagesOf(own.root, []);
    const root = new protobuf.Root();
    const wellKnown = new Set<string>();
    for (const ref of refs) {
      if (ref.schemaType !== 'PROTOBUF') throw new InvalidSchemaError(`reference ${ref.name} is not a Protobuf schema`);
      const parsed = parseInto(root, ref.schema, `reference ${ref.name}`);
      addWellKnownImports(root, parsed.imports, wellKnown);
    }
    const parsed = parseInto(root, text, 'schema');
    addWellKnownImports(root, parsed.imports, wellKnown);
    const known = new Set(refs.map((r) => r.name));
    for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (!imp.startsWith('google/protobuf/') && !known.has(imp)) {
        throw new InvalidSchemaError(`import "${imp}" has no matching reference`);
      }
    }
    try {
      root.resolveAll();
    } catch (err) {
      throw new InvalidSchemaError((err as Error).message);
    }
    if (messages.length === 0) throw new InvalidSchemaError('the schema declares no message');
    return { schemaType: 'PROTOBUF', canonical: text.trim(), root, packageName: parsed.package ?? '', messages };
  },
  readerProblems(reader, writer) {
    const problems: string[] = [];
    if (reader.packageName !== writer.packageName) {
      problems.push(`package changed from '${writer.packageName}' to '${reader.packageName}' (PACKAGE_CHANGED)`);
      return problems;
    }
    const readerMessages = new Set(reader.messages);
    for (const name of writer.messages) {
      if (!readerMessages.has(name)) {
        problems.push(`message ${name.slice(1)} removed (MESSAGE_REMOVED)`);
        continue;
      }
      const w = writer.root.lookupType(name);
      const r = reader.root.lookupType(name);
      problems.push(...messageProblems(w, r));
    }
    return problems;
  },
};
