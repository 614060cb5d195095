/**
 * One tenant's registry, as held in memory: its schemas by id and content hash, its subjects' versions and its
 * compatibility and mode settings. Loaded from Postgres in three queries; `sizeBytes` is what the cache counts.
 */
import { createHash } from 'node:crypto';
import type { SchemaType } from './formats/index.ts';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  contentHash: string;
}

export interface SubjectVersion {
  version: number;
  schemaId: number;
  deleted: boolean;
}

export interface SubjectConfig {
  compatibility: string | null;
  mode: string | null;
}

/** The key under which the same content is found again: type, canonical text and references. */
export function contentHash(schemaType: SchemaType, canonical: string, references: SchemaReference[]): string {
  return createHash('sha256')
    .update(JSON.stringify([schemaType, canonical, references.map((r) => [r.name, r.subject, r.version])]))
    .digest('hex');
}

export class TenantState {
  readonly tenantId: string;
  readonly schemas = new Map<number, StoredSchema>();
  readonly byHash = new Map<string, number>();
  /** Versions in ascending order, soft-deleted ones included. */
  readonly subjects = new Map<string, SubjectVersion[]>();
  /** '' is the tenant-wide setting. */
  readonly configs = new Map<string, SubjectConfig>();
  loadedAtMs = 0;
  sizeBytes = 0;

  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }

  addSchema(s: StoredSchema): void {
    this.schemas.set(s.id, s);
    this.byHash.set(s.contentHash, s.id);
    this.sizeBytes += s.schema.length * 2 + 200;
  }

  addVersion(subject: string, v: SubjectVersion): void {
    let list = this.subjects.get(subject);
    if (!list) {
      list = [];
      this.subjects.set(subject, list);
      this.sizeBytes += subject.length * 2 + 100;
    }
    list.push(v);
    list.sort((a, b) => a.version - b.version);
    this.sizeBytes += 64;
  }

  liveVersions(subject: string): SubjectVersion[] {
    return (this.subjects.get(subject) ?? []).filter((v) => !v.deleted);
  }

  versionCount(): number {
    let n = 0;
    for (const list of this.subjects.values()) n += list.length;
    return n;
  }

  nextSchemaId(): number {
    let max = 0;
    for (const id of this.schemas.keys()) max = Math.max(max, id);
    return max + 1;
  }

  /** Every (subject, version) that uses schema `id`. */
  usesOf(id: number, includeDeleted: boolean): { subject: string; version: number }[] {
    const out: { subject: string; version: number }[] = [];
    for (const [subject, list] of this.subjects) {
      for (const v of list)
        if (v.schemaId === id && (includeDeleted || !v.deleted)) out.push({ subject, version: v.version });
    }
    return out;
  }

  /** Ids of schemas whose references name this subject version. */
  referencedBy(subject: string, version: number): number[] {
    const ids: number[] = [];
    for (const s of this.schemas.values()) {
      if (!s.references.some((r) => r.subject === subject && r.version === version)) continue;
      if (this.usesOf(s.id, false).length > 0) ids.push(s.id);
    }
    return ids.sort((a, b) => a - b);
  }
}
