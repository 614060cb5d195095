/**
 * The registry's operations, per tenant, with Confluent's semantics: registration (idempotent, checked for
 * compatibility, within the tenant's quotas), lookups, soft and permanent deletes, references, compatibility and
 * mode settings. Reads are served from a bounded in-memory cache of tenant states; every write runs in a Postgres
 * transaction holding the tenant's advisory lock on a state freshly read inside it, so two registry processes never
 * hand out the same id or version, and the cache takes the written state afterwards.
 */
import type { Db, Prisma } from '@samsa/db';
import type { Logger } from 'pino';
import {
  type CompatibilityLevel,
  compatibilityProblems,
  DEFAULT_COMPATIBILITY,
  DEFAULT_MODE,
  isCompatibilityLevel,
  isMode,
  type Mode,
} from './compatibility.ts';
import { errors, RegistryError } from './errors.ts';
import {
  FORMATS,
  InvalidSchemaError,
  type ParsedSchema,
  type ResolvedReference,
  type SchemaType,
} from './formats/index.ts';
import {
  contentHash,
  type SchemaReference,
  type StoredSchema,
  type SubjectConfig,
  type SubjectVersion,
  TenantState,
} from './tenant-state.ts';

export interface RegistryLimits {
  /** Largest schema text accepted, in bytes (UTF-8). */
  maxSchemaBytes: number;
  /** Default per-tenant quotas, when TenantQuota.maxSchemaSubjects / maxSchemaVersions are null. */
  maxSubjectsPerTenant: number;
  maxVersionsPerTenant: number;
  /** References a schema may have, transitively. */
  maxReferences: number;
  /** Memory the cached tenant states may take (approximate, counted from the text held). */
  cacheMaxBytes: number;
  /** A cached tenant state older than this is read again (writes by another registry process become visible). */
  cacheTtlMs: number;
  /** Memory the parsed schemas kept for compatibility checks may take (estimated from their text). */
  parsedCacheMaxBytes: number;
}

export const MAX_SUBJECT_LENGTH = 255;
const MAX_REFERENCE_DEPTH = 32;

export interface SchemaInput {
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
  /** IMPORT mode only. */
  id?: number;
  version?: number;
}

export interface VersionView {
  subject: string;
  id: number;
  version: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

type Tx = Prisma.TransactionClient;

/** `latest`, -1 or a positive integer (42202 otherwise). */
export function parseVersionSpec(spec: string): number | 'latest' {
  if (spec === 'latest' || spec === '-1') return 'latest';
  if (!/^[0-9]+$/.test(spec)) throw errors.invalidVersion(spec);
  const n = Number(spec);
  if (n < 1 || n > 2 ** 31 - 1) throw errors.invalidVersion(spec);
  return n;
}

export function checkSubjectName(subject: string): void {
  if (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
    throw errors.invalidSubject(`Subject name must be 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(subject)) throw errors.invalidSubject('Subject name contains a control character');
  if (subject.startsWith(':.')) throw errors.invalidSubject('Schema contexts (:.context:subject) are not supported');
}

export class SchemaRegistry {
  private readonly db: Db;
  private readonly limits: RegistryLimits;
  private readonly logger: Logger;
  /** Insertion order is recency: a hit re-inserts, eviction takes the first. */
  private readonly cache = new Map<string, TenantState>();
  private cachedBytes = 0;
  /**
   * Parsed schemas by tenant and content hash (the same content always parses the same: referenced versions cannot
   * be deleted while used), so a compatibility check does not parse every earlier version again. LRU, bounded.
   */
  private readonly parsedCache = new Map<string, { parsed: ParsedSchema; sizeBytes: number }>();
  private parsedBytes = 0;
  private readonly loading = new Map<string, Promise<TenantState>>();

  constructor(db: Db, limits: RegistryLimits, logger: Logger) {
    this.db = db;
    this.limits = limits;
    this.logger = logger;
  }

  get cacheBytes(): { tenants: number; parsed: number } {
    return { tenants: this.cachedBytes, parsed: this.parsedBytes };
  }

  // ---- state -------------------------------------------------------------------------------------------------

  private async load(client: Db | Tx, tenantId: string): Promise<TenantState> {
    const state = new TenantState(tenantId);
    state.loadedAtMs = Date.now();
    const [schemas, versions, configs] = await Promise.all([
      client.registrySchema.findMany({ where: { tenantId } }),
      client.registrySubjectVersion.findMany({
        where: { tenantId },
        orderBy: [{ subject: 'asc' }, { version: 'asc' }],
      }),
      client.registryConfig.findMany({ where: { tenantId } }),
    ]);
    for (const s of schemas) {
      state.addSchema({
        id: s.id,
        schemaType: s.schemaType as SchemaType,
        schema: s.schema,
        references: s.references as unknown as SchemaReference[],
        contentHash: s.contentHash,
      });
    }
    for (const v of versions)
      state.addVersion(v.subject, { version: v.version, schemaId: v.schemaId, deleted: v.deleted });
    for (const c of configs) state.configs.set(c.subject, { compatibility: c.compatibility, mode: c.mode });
    return state;
  }

  /** Caches `state` unless a state read later is cached already (a slow reload must not undo a write). */
  private remember(state: TenantState): void {
    const old = this.cache.get(state.tenantId);
    if (old && old.loadedAtMs > state.loadedAtMs) return;
    if (old) {
      this.cache.delete(state.tenantId);
      this.cachedBytes -= old.sizeBytes;
    }
    this.cache.set(state.tenantId, state);
    this.cachedBytes += state.sizeBytes;
    for (const [id, s] of this.cache) {
      if (this.cachedBytes <= this.limits.cacheMaxBytes || id === state.tenantId) break;
      this.cache.delete(id);
      this.cachedBytes -= s.sizeBytes;
    }
  }

  forget(tenantId: string): void {
    const old = this.cache.get(tenantId);
    if (!old) return;
    this.cache.delete(tenantId);
    this.cachedBytes -= old.sizeBytes;
  }

  private async state(tenantId: string): Promise<TenantState> {
    const cached = this.cache.get(tenantId);
    if (cached && Date.now() - cached.loadedAtMs < this.limits.cacheTtlMs) {
      this.cache.delete(tenantId);
      this.cache.set(tenantId, cached);
      return cached;
    }
    return this.reload(tenantId);
  }

  /** One read of a tenant from Postgres at a time: concurrent callers share it. */
  private reload(tenantId: string): Promise<TenantState> {
    const pending = this.loading.get(tenantId);
    if (pending) return pending;
    const promise = this.load(this.db, tenantId)
      .then((state) => {
        this.remember(state);
        return state;
      })
      .finally(() => this.loading.delete(tenantId));
    this.loading.set(tenantId, promise);
    return promise;
  }

  /**
   * Runs a read on the cached state; a "not found" is answered from a fresh read of Postgres instead (shared by
   * concurrent misses), so what another registry process has just written is found at once.
   */
  private async read<T>(tenantId: string, fn: (state: TenantState) => T): Promise<T> {
    const state = await this.state(tenantId);
    try {
      return fn(state);
    } catch (err) {
      if (!(err instanceof RegistryError) || err.status !== 404) throw err;
      return fn(await this.reload(tenantId));
    }
  }

  private async write<T>(tenantId: string, fn: (state: TenantState, tx: Tx) => Promise<T>): Promise<T> {
    try {
      let written: TenantState | null = null;
      const result = await this.db.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('samsa-schema-registry'), hashtext(${tenantId}))`;
          const state = await this.load(tx, tenantId);
          const out = await fn(state, tx);
          written = state;
          return out;
        },
        { timeout: 30_000, maxWait: 10_000 },
      );
      if (written) {
        // Committed now: any reload that started before this saw the old rows and must not replace it.
        (written as TenantState).loadedAtMs = Date.now();
        this.remember(written);
      }
      return result;
    } catch (err) {
      this.forget(tenantId);
      if (err instanceof RegistryError) throw err;
      this.logger.error({ err: (err as Error).message, tenantId }, 'schema registry store error');
      throw errors.store();
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  private config(state: TenantState, subject: string): SubjectConfig | undefined {
    return state.configs.get(subject);
  }

  effectiveCompatibility(state: TenantState, subject: string | null): CompatibilityLevel {
    const own = subject === null ? null : this.config(state, subject)?.compatibility;
    const level = own ?? this.config(state, '')?.compatibility ?? DEFAULT_COMPATIBILITY;
    return isCompatibilityLevel(level) ? level : DEFAULT_COMPATIBILITY;
  }

  private effectiveMode(state: TenantState, subject: string | null): Mode {
    const own = subject === null ? null : this.config(state, subject)?.mode;
    const mode = own ?? this.config(state, '')?.mode ?? DEFAULT_MODE;
    return isMode(mode) ? mode : DEFAULT_MODE;
  }

  private requireWritable(state: TenantState, subject: string | null): Mode {
    const mode = this.effectiveMode(state, subject);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') {
      throw errors.operationNotPermitted(`Subject ${subject ?? ''} is in read-only mode`);
    }
    return mode;
  }

  private findVersion(
    state: TenantState,
    subject: string,
    spec: number | 'latest',
    includeDeleted: boolean,
  ): SubjectVersion {
    const all = state.subjects.get(subject) ?? [];
    const visible = includeDeleted ? all : all.filter((v) => !v.deleted);
    if (visible.length === 0) throw errors.subjectNotFound(subject);
    const found = spec === 'latest' ? visible[visible.length - 1] : visible.find((v) => v.version === spec);
    if (!found) throw errors.versionNotFound(spec);
    return found;
  }

  private view(state: TenantState, subject: string, v: SubjectVersion): VersionView {
    const s = state.schemas.get(v.schemaId) as StoredSchema;
    return {
      subject,
      id: s.id,
      version: v.version,
      schemaType: s.schemaType,
      schema: s.schema,
      references: s.references,
    };
  }

  /** References resolved to concrete versions, and their schemas transitively, dependencies first. */
  private resolveReferences(
    state: TenantState,
    refs: SchemaReference[],
  ): { concrete: SchemaReference[]; resolved: ResolvedReference[] } {
    const resolved: ResolvedReference[] = [];
    const seen = new Set<string>();
    const concrete: SchemaReference[] = [];
    const visit = (ref: SchemaReference, depth: number, top: boolean) => {
      if (depth > MAX_REFERENCE_DEPTH) throw errors.invalidSchema('references nest too deep');
      let v: SubjectVersion;
      try {
        v = this.findVersion(state, ref.subject, ref.version === -1 ? 'latest' : ref.version, false);
      } catch {
        throw errors.invalidSchema(`reference ${ref.name} to subject ${ref.subject} version ${ref.version} not found`);
      }
      if (top) concrete.push({ name: ref.name, subject: ref.subject, version: v.version });
      const key = `${ref.subject}\u0000${v.version}`;
      if (seen.has(key)) return;
      seen.add(key);
      const s = state.schemas.get(v.schemaId) as StoredSchema;
      for (const inner of s.references) visit(inner, depth + 1, false);
      if (resolved.length >= this.limits.maxReferences) {
        throw errors.invalidSchema(`more than ${this.limits.maxReferences} references`);
      }
      resolved.push({ name: ref.name, schemaType: s.schemaType, schema: s.schema });
    };
    for (const ref of refs) visit(ref, 0, true);
    return { concrete, resolved };
  }

  private parse(state: TenantState, input: SchemaInput): { parsed: ParsedSchema; references: SchemaReference[] } {
    if (Buffer.byteLength(input.schema, 'utf8') > this.limits.maxSchemaBytes) {
      throw errors.invalidSchema(`the schema is larger than ${this.limits.maxSchemaBytes} bytes`);
    }
    const schemaType = input.schemaType ?? 'AVRO';
    const { concrete, resolved } = this.resolveReferences(state, input.references ?? []);
    try {
      return { parsed: FORMATS[schemaType].parse(input.schema, resolved), references: concrete };
    } catch (err) {
      if (err instanceof InvalidSchemaError) throw errors.invalidSchema(err.message);
      throw err;
    }
  }

  private keepParsed(tenantId: string, hash: string, parsed: ParsedSchema): void {
    const key = `${tenantId}:${hash}`;
    const old = this.parsedCache.get(key);
    if (old) {
      this.parsedCache.delete(key);
      this.parsedBytes -= old.sizeBytes;
    }
    const sizeBytes = parsed.canonical.length * 8 + 1024;
    this.parsedCache.set(key, { parsed, sizeBytes });
    this.parsedBytes += sizeBytes;
    for (const [k, v] of this.parsedCache) {
      if (this.parsedBytes <= this.limits.parsedCacheMaxBytes || k === key) break;
      this.parsedCache.delete(k);
      this.parsedBytes -= v.sizeBytes;
    }
  }

  private parsedOf(state: TenantState, id: number): ParsedSchema {
    const s = state.schemas.get(id) as StoredSchema;
    const hit = this.parsedCache.get(`${state.tenantId}:${s.contentHash}`);
    if (hit) {
      this.keepParsed(state.tenantId, s.contentHash, hit.parsed);
      return hit.parsed;
    }
    const { resolved } = this.resolveReferences(state, s.references);
    const parsed = FORMATS[s.schemaType].parse(s.schema, resolved);
    this.keepParsed(state.tenantId, s.contentHash, parsed);
    return parsed;
  }

  private earlier(state: TenantState, versions: SubjectVersion[]): { version: number; parsed: ParsedSchema }[] {
    return versions.map((v) => ({ version: v.version, parsed: this.parsedOf(state, v.schemaId) }));
  }

  private async quota(tx: Tx, tenantId: string): Promise<{ subjects: number; versions: number }> {
    const q = await tx.tenantQuota.findUnique({
      where: { tenantId },
      select: { maxSchemaSubjects: true, maxSchemaVersions: true },
    });
    return {
      subjects: q?.maxSchemaSubjects ?? this.limits.maxSubjectsPerTenant,
      versions: q?.maxSchemaVersions ?? this.limits.maxVersionsPerTenant,
    };
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  /** Subjects with versions (`visible`: only those the caller may see). */
  async listSubjects(
    tenantId: string,
    opts: { deleted: boolean; prefix?: string; visible?: (subject: string) => boolean },
  ): Promise<string[]> {
    return this.read(tenantId, (state) => {
      const out: string[] = [];
      for (const [subject, list] of state.subjects) {
        if (opts.prefix && !subject.startsWith(opts.prefix)) continue;
        if (opts.visible && !opts.visible(subject)) continue;
        if (list.some((v) => opts.deleted || !v.deleted)) out.push(subject);
      }
      return out.sort();
    });
  }

  async listVersions(tenantId: string, subject: string, deleted: boolean): Promise<number[]> {
    return this.read(tenantId, (state) => {
      const list = (state.subjects.get(subject) ?? []).filter((v) => deleted || !v.deleted);
      if (list.length === 0) throw errors.subjectNotFound(subject);
      return list.map((v) => v.version);
    });
  }

  async getVersion(tenantId: string, subject: string, spec: string, deleted: boolean): Promise<VersionView> {
    const version = parseVersionSpec(spec);
    return this.read(tenantId, (state) => {
      return this.view(state, subject, this.findVersion(state, subject, version, deleted));
    });
  }

  async referencedBy(tenantId: string, subject: string, spec: string): Promise<number[]> {
    const version = parseVersionSpec(spec);
    return this.read(tenantId, (state) => {
      const v = this.findVersion(state, subject, version, false);
      return state.referencedBy(subject, v.version);
    });
  }

  async getSchema(tenantId: string, id: number): Promise<StoredSchema> {
    return this.read(tenantId, (state) => {
      const s = state.schemas.get(id);
      if (!s || state.usesOf(id, true).length === 0) throw errors.schemaNotFound(id);
      return s;
    });
  }

  async schemaUses(tenantId: string, id: number, deleted: boolean): Promise<{ subject: string; version: number }[]> {
    return this.read(tenantId, (state) => {
      const uses = state.usesOf(id, deleted);
      if (!state.schemas.has(id) || state.usesOf(id, true).length === 0) throw errors.schemaNotFound(id);
      return uses.sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
    });
  }

  /** Versions of every subject, paged (`visible`: only subjects the caller may read, filtered before paging). */
  async listSchemas(
    tenantId: string,
    opts: {
      deleted: boolean;
      latestOnly: boolean;
      prefix?: string;
      offset: number;
      limit: number;
      visible?: (subject: string) => boolean;
    },
  ): Promise<VersionView[]> {
    return this.read(tenantId, (state) => {
      const out: VersionView[] = [];
      for (const subject of [...state.subjects.keys()].sort()) {
        if (opts.prefix && !subject.startsWith(opts.prefix)) continue;
        if (opts.visible && !opts.visible(subject)) continue;
        const list = (state.subjects.get(subject) ?? []).filter((v) => opts.deleted || !v.deleted);
        for (const v of opts.latestOnly ? list.slice(-1) : list) out.push(this.view(state, subject, v));
      }
      return out.slice(opts.offset, opts.offset + opts.limit);
    });
  }

  async lookup(tenantId: string, subject: string, input: SchemaInput, deleted: boolean): Promise<VersionView> {
    return this.read(tenantId, (state) => {
      const list = (state.subjects.get(subject) ?? []).filter((v) => deleted || !v.deleted);
      if (list.length === 0) throw errors.subjectNotFound(subject);
      const { parsed, references } = this.parse(state, input);
      const id = state.byHash.get(contentHash(parsed.schemaType, parsed.canonical, references));
      const found = [...list].reverse().find((v) => v.schemaId === id);
      if (!found) throw errors.schemaNotFound();
      return this.view(state, subject, found);
    });
  }

  async checkCompatibility(
    tenantId: string,
    subject: string,
    spec: string | null,
    input: SchemaInput,
  ): Promise<{ compatible: boolean; messages: string[] }> {
    return this.read(tenantId, (state) => {
      const version = spec === null ? null : parseVersionSpec(spec);
      const { parsed } = this.parse(state, input);
      const level = this.effectiveCompatibility(state, subject);
      let against: SubjectVersion[];
      // As Confluent: `latest` of a subject with no live version is compatible (nothing to break).
      if (version === null || (version === 'latest' && state.liveVersions(subject).length === 0)) {
        against = state.liveVersions(subject);
      } else against = [this.findVersion(state, subject, version, false)];
      // A given version is checked in the level's direction(s), without transitivity.
      const effective = (version === null ? level : level.replace('_TRANSITIVE', '')) as CompatibilityLevel;
      const messages = compatibilityProblems(effective, parsed, this.earlier(state, against));
      return { compatible: messages.length === 0, messages };
    });
  }

  async getCompatibility(tenantId: string, subject: string | null, defaultToGlobal: boolean): Promise<string> {
    return this.read(tenantId, (state) => {
      if (subject !== null && !defaultToGlobal) {
        const own = state.configs.get(subject)?.compatibility;
        if (!own) throw errors.subjectCompatibilityNotConfigured(subject);
        return own;
      }
      return this.effectiveCompatibility(state, subject);
    });
  }

  async getMode(tenantId: string, subject: string | null, defaultToGlobal: boolean): Promise<string> {
    return this.read(tenantId, (state) => {
      if (subject !== null && !defaultToGlobal) {
        const own = state.configs.get(subject)?.mode;
        if (!own) throw errors.subjectModeNotConfigured(subject);
        return own;
      }
      return this.effectiveMode(state, subject);
    });
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  async register(tenantId: string, subject: string, input: SchemaInput): Promise<number> {
    checkSubjectName(subject);
    return this.write(tenantId, async (state, tx) => {
      const mode = this.requireWritable(state, subject);
      const { parsed, references } = this.parse(state, input);
      const hash = contentHash(parsed.schemaType, parsed.canonical, references);
      const existingId = state.byHash.get(hash);
      const all = state.subjects.get(subject) ?? [];
      const live = all.filter((v) => !v.deleted);
      if (existingId !== undefined && live.some((v) => v.schemaId === existingId)) {
        if (input.id !== undefined && input.id !== existingId) {
          throw errors.operationNotPermitted(
            `Schema already registered with id ${existingId} instead of input id ${input.id}`,
          );
        }
        return existingId;
      }
      if ((input.id !== undefined || input.version !== undefined) && mode !== 'IMPORT') {
        throw errors.operationNotPermitted('An id or version is accepted only in IMPORT mode');
      }
      if (mode !== 'IMPORT') {
        const problems = compatibilityProblems(
          this.effectiveCompatibility(state, subject),
          parsed,
          this.earlier(state, live),
        );
        if (problems.length > 0) throw errors.incompatible(subject, problems);
      }
      const quota = await this.quota(tx, tenantId);
      if (all.length === 0 && state.subjects.size >= quota.subjects) {
        throw errors.quotaExceeded(
          `Subject quota exceeded: the tenant has ${state.subjects.size} subjects, maxSchemaSubjects is ${quota.subjects}`,
        );
      }
      const versions = state.versionCount();
      if (versions >= quota.versions) {
        throw errors.quotaExceeded(
          `Schema version quota exceeded: the tenant has ${versions} versions (soft-deleted included), maxSchemaVersions is ${quota.versions}`,
        );
      }
      let id = existingId;
      if (input.id !== undefined) {
        const taken = state.schemas.get(input.id);
        if (taken && taken.contentHash !== hash) {
          throw errors.operationNotPermitted(`Overwrite new schema with id ${input.id} is not permitted.`);
        }
        if (existingId !== undefined && existingId !== input.id) {
          throw errors.operationNotPermitted(
            `Schema already registered with id ${existingId} instead of input id ${input.id}`,
          );
        }
        id = input.id;
      }
      if (id === undefined || !state.schemas.has(id)) {
        id = id ?? state.nextSchemaId();
        const stored: StoredSchema = {
          id,
          schemaType: parsed.schemaType,
          schema: parsed.canonical,
          references,
          contentHash: hash,
        };
        await tx.registrySchema.create({
          data: {
            tenantId,
            id,
            schemaType: stored.schemaType,
            schema: stored.schema,
            references: references as unknown as Prisma.InputJsonValue,
            contentHash: hash,
          },
        });
        state.addSchema(stored);
        this.keepParsed(tenantId, hash, parsed);
      }
      const next = (all.at(-1)?.version ?? 0) + 1;
      const version = input.version ?? next;
      if (all.some((v) => v.version === version)) {
        throw errors.operationNotPermitted(`Version ${version} already exists in subject ${subject}`);
      }
      await tx.registrySubjectVersion.create({ data: { tenantId, subject, version, schemaId: id } });
      state.addVersion(subject, { version, schemaId: id, deleted: false });
      this.logger.info({ tenantId, subject, version, id, schemaType: parsed.schemaType }, 'schema registered');
      return id;
    });
  }

  async deleteSubject(tenantId: string, subject: string, permanent: boolean): Promise<number[]> {
    return this.write(tenantId, async (state, tx) => {
      this.requireWritable(state, subject);
      const all = state.subjects.get(subject) ?? [];
      if (all.length === 0) throw errors.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      for (const v of all) {
        const refs = state.referencedBy(subject, v.version);
        if (refs.length > 0) {
          throw errors.referenceExists(
            `One or more references exist to the schema {subject=${subject},version=${v.version}} (schema ids ${refs.join(', ')})`,
          );
        }
      }
      if (!permanent) {
        if (live.length === 0) throw errors.subjectSoftDeleted(subject);
        await tx.registrySubjectVersion.updateMany({
          where: { tenantId, subject, deleted: false },
          data: { deleted: true },
        });
        for (const v of live) v.deleted = true;
        return live.map((v) => v.version);
      }
      if (live.length > 0) throw errors.subjectNotSoftDeleted(subject);
      await tx.registrySubjectVersion.deleteMany({ where: { tenantId, subject } });
      await tx.registryConfig.deleteMany({ where: { tenantId, subject } });
      state.subjects.delete(subject);
      state.configs.delete(subject);
      return all.map((v) => v.version);
    });
  }

  async deleteVersion(tenantId: string, subject: string, spec: string, permanent: boolean): Promise<number> {
    const wanted = parseVersionSpec(spec);
    return this.write(tenantId, async (state, tx) => {
      this.requireWritable(state, subject);
      const all = state.subjects.get(subject) ?? [];
      if (all.length === 0) throw errors.subjectNotFound(subject);
      const v = wanted === 'latest' ? all.filter((x) => !x.deleted).at(-1) : all.find((x) => x.version === wanted);
      if (!v) throw errors.versionNotFound(spec);
      const refs = state.referencedBy(subject, v.version);
      if (refs.length > 0) {
        throw errors.referenceExists(
          `One or more references exist to the schema {subject=${subject},version=${v.version}} (schema ids ${refs.join(', ')})`,
        );
      }
      if (!permanent) {
        if (v.deleted) throw errors.versionSoftDeleted(subject, v.version);
        await tx.registrySubjectVersion.update({
          where: { tenantId_subject_version: { tenantId, subject, version: v.version } },
          data: { deleted: true },
        });
        v.deleted = true;
        return v.version;
      }
      if (!v.deleted) throw errors.versionNotSoftDeleted(subject, v.version);
      await tx.registrySubjectVersion.delete({
        where: { tenantId_subject_version: { tenantId, subject, version: v.version } },
      });
      const rest = all.filter((x) => x !== v);
      if (rest.length === 0) state.subjects.delete(subject);
      else state.subjects.set(subject, rest);
      return v.version;
    });
  }

  private async putConfig(tx: Tx, state: TenantState, subject: string, change: Partial<SubjectConfig>): Promise<void> {
    const before = state.configs.get(subject) ?? { compatibility: null, mode: null };
    const after = { ...before, ...change };
    if (subject !== '' && !state.configs.has(subject) && !state.subjects.has(subject)) {
      const quota = await this.quota(tx, state.tenantId);
      if (state.configs.size >= quota.subjects) {
        throw errors.quotaExceeded(`Settings for at most ${quota.subjects} subjects (maxSchemaSubjects)`);
      }
    }
    if (after.compatibility === null && after.mode === null) {
      await tx.registryConfig.deleteMany({ where: { tenantId: state.tenantId, subject } });
      state.configs.delete(subject);
      return;
    }
    await tx.registryConfig.upsert({
      where: { tenantId_subject: { tenantId: state.tenantId, subject } },
      create: { tenantId: state.tenantId, subject, compatibility: after.compatibility, mode: after.mode },
      update: { compatibility: after.compatibility, mode: after.mode },
    });
    state.configs.set(subject, after);
  }

  async setCompatibility(tenantId: string, subject: string | null, level: string): Promise<string> {
    const upper = level.toUpperCase();
    if (!isCompatibilityLevel(upper)) throw errors.invalidCompatibility(level);
    if (subject !== null) checkSubjectName(subject);
    return this.write(tenantId, async (state, tx) => {
      await this.putConfig(tx, state, subject ?? '', { compatibility: upper });
      return upper;
    });
  }

  /** Removes the setting; returns the level in force before. */
  async deleteCompatibility(tenantId: string, subject: string | null): Promise<string> {
    return this.write(tenantId, async (state, tx) => {
      const before = this.effectiveCompatibility(state, subject);
      if (subject !== null && !state.configs.get(subject)?.compatibility) {
        if (!state.subjects.has(subject)) throw errors.subjectNotFound(subject);
        throw errors.subjectCompatibilityNotConfigured(subject);
      }
      await this.putConfig(tx, state, subject ?? '', { compatibility: null });
      return before;
    });
  }

  async setMode(tenantId: string, subject: string | null, mode: string, force: boolean): Promise<string> {
    const upper = mode.toUpperCase();
    if (!isMode(upper)) throw errors.invalidMode(mode);
    if (subject !== null) checkSubjectName(subject);
    return this.write(tenantId, async (state, tx) => {
      if (upper === 'IMPORT' && !force) {
        const nonEmpty = subject === null ? state.subjects.size > 0 : state.subjects.has(subject);
        if (nonEmpty) {
          throw errors.operationNotPermitted(
            'Cannot import since found existing subjects (set force=true to import into them)',
          );
        }
      }
      await this.putConfig(tx, state, subject ?? '', { mode: upper });
      return upper;
    });
  }

  async deleteMode(tenantId: string, subject: string | null): Promise<string> {
    return this.write(tenantId, async (state, tx) => {
      const before = this.effectiveMode(state, subject);
      if (subject !== null && !state.configs.get(subject)?.mode) throw errors.subjectModeNotConfigured(subject);
      await this.putConfig(tx, state, subject ?? '', { mode: null });
      return before;
    });
  }

  /** Tenants that have anything in the registry (the platform admin's listing). */
  async tenantsWithSubjects(): Promise<{ id: string; slug: string }[]> {
    const rows = await this.db.tenant.findMany({
      where: { registryVersions: { some: {} } },
      select: { id: true, slug: true },
      orderBy: { slug: 'asc' },
    });
    return rows;
  }
}
