/**
 * JSON Schema: Ajv checks that a schema is valid (draft-07 by default, 2019-09/2020-12 when `$schema` says so) and
 * that its `$ref`s to referenced schemas resolve. No well-kept library decides whether one JSON Schema accepts
 * everything another accepts, so that check is written here, after the rules Confluent documents: a reader can
 * read a writer when every document the writer allows is allowed by the reader. Types may widen (integer to
 * number) but not change; `enum`/`const` may grow, not shrink or appear; bounds (minimum, maxLength, minItems,
 * …) may relax, not tighten; `pattern`, `uniqueItems`, `not` may go, not appear; a property may be added only when
 * the writer's content model is closed (`additionalProperties: false`), or with a schema that accepts anything;
 * a property may be removed only when the reader's model stays open; `required` may shrink, not grow (unless the
 * new required property has a default); `additionalProperties` may open, not close; oneOf/anyOf branches are
 * matched one to one. `$ref`s are followed, to a bounded depth: local ones (`#/definitions/…`, `#/$defs/…`) and
 * those into referenced schemas (`address.json#/…`, by reference name).
 */
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaFormat } from './types.ts';

export interface JsonSchema extends ParsedSchema {
  json: unknown;
  /** Referenced schemas by reference name, for `$ref`s into them. */
  refs: ReadonlyMap<string, unknown>;
  /** Ajv's validator of the schema (its references resolved): whether a document fits it. */
  validate: ValidateFunction;
}

type Node = boolean | Record<string, unknown>;
const MAX_DEPTH = 64;

function ajvFor(json: unknown): Ajv {
  const uri = typeof json === 'object' && json !== null ? String((json as Record<string, unknown>).$schema ?? '') : '';
  const options = { strict: false, allErrors: false, validateFormats: false, addUsedSchema: false };
  if (uri.includes('2020-12')) return new Ajv2020(options) as unknown as Ajv;
  if (uri.includes('2019-09')) return new Ajv2019(options) as unknown as Ajv;
  return new Ajv(options);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidSchemaError(`${what} is not JSON: ${(err as Error).message}`);
  }
}

function typesOf(n: Record<string, unknown>): Set<string> | null {
  const t = n.type;
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t)) return new Set(t.map(String));
  return null;
}

function num(n: Record<string, unknown>, key: string): number | undefined {
  return typeof n[key] === 'number' ? (n[key] as number) : undefined;
}

/** One side of a comparison: the document `#` refers to, and the referenced documents by name. */
interface Side {
  root: unknown;
  refs: ReadonlyMap<string, unknown>;
}

class Checker {
  readonly problems: string[] = [];
  private readonly reader: Side;
  private readonly writer: Side;
  constructor(reader: Side, writer: Side) {
    this.reader = reader;
    this.writer = writer;
  }

  /** Follows `$ref`s (`#/…` in the side's document, `name#/…` into a referenced one): the node and its document. */
  private deref(n: Node, side: Side): { node: Node; root: unknown } {
    let cur = n;
    let root = side.root;
    for (let i = 0; i < MAX_DEPTH && typeof cur === 'object' && typeof cur.$ref === 'string'; i++) {
      const ref = cur.$ref as string;
      const hash = ref.indexOf('#');
      const doc = hash < 0 ? ref : ref.slice(0, hash);
      const fragment = hash < 0 ? '' : ref.slice(hash + 1);
      let target: unknown = doc === '' ? root : side.refs.get(doc);
      if (target === undefined) return { node: cur, root };
      const targetRoot = target;
      for (const part of fragment.split('/').filter(Boolean)) {
        const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
        target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[key] : undefined;
      }
      if (target === undefined) return { node: cur, root };
      cur = target as Node;
      root = targetRoot;
    }
    return { node: cur, root };
  }

  private add(path: string, message: string): void {
    this.problems.push(`${path || '#'}: ${message}`);
  }

  /** Does `reader` accept every document `writer` accepts? */
  check(readerIn: Node, writerIn: Node, path: string, depth: number): void {
    if (depth > MAX_DEPTH) return;
    const rd = this.deref(readerIn, this.reader);
    const wd = this.deref(writerIn, this.writer);
    if (rd.root !== this.reader.root || wd.root !== this.writer.root) {
      // Into a referenced document: its own `#/…` refs are relative to it.
      const inner = new Checker({ ...this.reader, root: rd.root }, { ...this.writer, root: wd.root });
      inner.checkResolved(rd.node, wd.node, path, depth);
      this.problems.push(...inner.problems);
      return;
    }
    this.checkResolved(rd.node, wd.node, path, depth);
  }

  private checkResolved(r: Node, w: Node, path: string, depth: number): void {
    if (r === true || (typeof r === 'object' && Object.keys(r).length === 0) || w === false) return;
    if (r === false) {
      this.add(path, 'the reader accepts nothing');
      return;
    }
    if (w === true) {
      this.add(path, 'the writer accepted anything; the reader restricts it');
      return;
    }
    const rt = typesOf(r);
    const wt = typesOf(w);
    if (rt) {
      if (!wt) this.add(path, `type ${[...rt].join('|')} added`);
      else
        for (const t of wt) {
          if (!rt.has(t) && !(t === 'integer' && rt.has('number')))
            this.add(path, `type ${t} narrowed to ${[...rt].join('|')}`);
        }
    }
    this.checkEnum(r, w, path);
    for (const key of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']) {
      const rv = num(r, key);
      const wv = num(w, key);
      if (rv !== undefined && (wv === undefined || rv > wv)) this.add(path, `${key} tightened`);
    }
    for (const key of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']) {
      const rv = num(r, key);
      const wv = num(w, key);
      if (rv !== undefined && (wv === undefined || rv < wv)) this.add(path, `${key} tightened`);
    }
    const rm = num(r, 'multipleOf');
    const wm = num(w, 'multipleOf');
    if (rm !== undefined && (wm === undefined || wm % rm !== 0)) this.add(path, 'multipleOf changed');
    if (r.pattern !== undefined && r.pattern !== w.pattern) this.add(path, 'pattern added or changed');
    if (r.uniqueItems === true && w.uniqueItems !== true) this.add(path, 'uniqueItems added');
    if (r.not !== undefined && JSON.stringify(r.not) !== JSON.stringify(w.not)) this.add(path, 'not added or changed');
    this.checkObject(r, w, path, depth);
    this.checkArray(r, w, path, depth);
    this.checkCombined(r, w, path, depth);
  }

  private checkEnum(r: Record<string, unknown>, w: Record<string, unknown>, path: string): void {
    const allowed = (n: Record<string, unknown>): unknown[] | null =>
      Array.isArray(n.enum) ? n.enum : 'const' in n ? [n.const] : null;
    const ra = allowed(r);
    if (!ra) return;
    const wa = allowed(w);
    if (!wa) {
      this.add(path, 'enum or const added');
      return;
    }
    const readerValues = new Set(ra.map((v) => JSON.stringify(v)));
    for (const v of wa)
      if (!readerValues.has(JSON.stringify(v))) this.add(path, `enum value ${JSON.stringify(v)} removed`);
  }

  private checkObject(r: Record<string, unknown>, w: Record<string, unknown>, path: string, depth: number): void {
    const rp = (r.properties ?? {}) as Record<string, Node>;
    const wp = (w.properties ?? {}) as Record<string, Node>;
    const rAdditional = (r.additionalProperties ?? true) as Node;
    const wAdditional = (w.additionalProperties ?? true) as Node;
    const wOpen = wAdditional !== false;
    for (const [name, schema] of Object.entries(rp)) {
      const sub = `${path}/properties/${name}`;
      if (name in wp) this.check(schema, wp[name] as Node, sub, depth + 1);
      else if (wOpen) this.check(schema, wAdditional, sub, depth + 1);
    }
    for (const [name, schema] of Object.entries(wp)) {
      if (name in rp) continue;
      this.check(rAdditional, schema, `${path}/properties/${name}`, depth + 1);
    }
    if (wOpen && (r.properties !== undefined || w.properties !== undefined)) {
      this.check(rAdditional, wAdditional, `${path}/additionalProperties`, depth + 1);
    }
    const wRequired = new Set(Array.isArray(w.required) ? (w.required as string[]) : []);
    for (const name of Array.isArray(r.required) ? (r.required as string[]) : []) {
      const prop = rp[name];
      const hasDefault = typeof prop === 'object' && prop !== null && 'default' in prop;
      if (!wRequired.has(name) && !hasDefault) this.add(`${path}/required`, `property ${name} became required`);
    }
  }

  private checkArray(r: Record<string, unknown>, w: Record<string, unknown>, path: string, depth: number): void {
    if (r.items !== undefined && !Array.isArray(r.items)) {
      const wItems = w.items === undefined ? true : w.items;
      if (Array.isArray(wItems)) {
        for (const [i, item] of wItems.entries())
          this.check(r.items as Node, item as Node, `${path}/items/${i}`, depth + 1);
      } else this.check(r.items as Node, wItems as Node, `${path}/items`, depth + 1);
    }
  }

  private checkCombined(r: Record<string, unknown>, w: Record<string, unknown>, path: string, depth: number): void {
    for (const key of ['oneOf', 'anyOf'] as const) {
      const rb = r[key];
      if (!Array.isArray(rb)) continue;
      const wb = Array.isArray(w.oneOf) ? w.oneOf : Array.isArray(w.anyOf) ? w.anyOf : [w];
      for (const [i, branch] of (wb as Node[]).entries()) {
        const accepted = (rb as Node[]).some((candidate) => {
          const probe = new Checker(this.reader, this.writer);
          probe.check(candidate, branch, path, depth + 1);
          return probe.problems.length === 0;
        });
        if (!accepted) this.add(`${path}/${key}`, `no ${key} branch of the reader accepts the writer's branch ${i}`);
      }
    }
    if (Array.isArray(r.allOf)) {
      for (const [i, part] of (r.allOf as Node[]).entries()) this.check(part, w, `${path}/allOf/${i}`, depth + 1);
    }
  }
}

export const jsonSchemaFormat: SchemaFormat<JsonSchema> = {
  parse(text, refs: ResolvedReference[]) {
    const json = parseJson(text, 'the schema');
    if (typeof json !== 'boolean' && (typeof json !== 'object' || json === null || Array.isArray(json))) {
      throw new InvalidSchemaError('a JSON Schema is an object or a boolean');
    }
    const ajv = ajvFor(json);
    const byName = new Map<string, unknown>();
    let validate: ValidateFunction;
    try {
      for (const ref of refs) {
        if (ref.schemaType !== 'JSON') throw new InvalidSchemaError(`reference ${ref.name} is not a JSON schema`);
        const refJson = parseJson(ref.schema, `reference ${ref.name}`);
        byName.set(ref.name, refJson);
        ajv.addSchema(refJson as AnySchema, ref.name);
      }
      validate = ajv.compile(json as AnySchema);
    } catch (err) {
      if (err instanceof InvalidSchemaError) throw err;
      throw new InvalidSchemaError((err as Error).message);
    }
    return { schemaType: 'JSON', canonical: JSON.stringify(json), json, refs: byName, validate };
  },
  readerProblems(reader, writer) {
    const checker = new Checker({ root: reader.json, refs: reader.refs }, { root: writer.json, refs: writer.refs });
    checker.check(reader.json as Node, writer.json as Node, '', 0);
    return checker.problems;
  },
};
