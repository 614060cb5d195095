-- Schema registry: schemas (ids per tenant), subject versions (soft deletes keep the row) and compatibility/mode
-- settings per tenant ('' subject) or per subject; quotas on subjects and versions.

-- AlterTable
ALTER TABLE "TenantQuota" ADD COLUMN "maxSchemaSubjects" INTEGER,
ADD COLUMN "maxSchemaVersions" INTEGER;

-- CreateTable
CREATE TABLE "RegistrySchema" (
    "tenantId" UUID NOT NULL,
    "id" INTEGER NOT NULL,
    "schemaType" TEXT NOT NULL,
    "schema" TEXT NOT NULL,
    "references" JSONB NOT NULL DEFAULT '[]',
    "contentHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RegistrySchema_pkey" PRIMARY KEY ("tenantId","id")
);

-- CreateTable
CREATE TABLE "RegistrySubjectVersion" (
    "tenantId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "schemaId" INTEGER NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RegistrySubjectVersion_pkey" PRIMARY KEY ("tenantId","subject","version")
);

-- CreateTable
CREATE TABLE "RegistryConfig" (
    "tenantId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "compatibility" TEXT,
    "mode" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RegistryConfig_pkey" PRIMARY KEY ("tenantId","subject")
);

-- CreateIndex
CREATE UNIQUE INDEX "RegistrySchema_tenantId_contentHash_key" ON "RegistrySchema"("tenantId", "contentHash");

-- CreateIndex
CREATE INDEX "RegistrySubjectVersion_tenantId_schemaId_idx" ON "RegistrySubjectVersion"("tenantId", "schemaId");

-- AddForeignKey
ALTER TABLE "RegistrySchema" ADD CONSTRAINT "RegistrySchema_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegistrySubjectVersion" ADD CONSTRAINT "RegistrySubjectVersion_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegistrySubjectVersion" ADD CONSTRAINT "RegistrySubjectVersion_tenantId_schemaId_fkey" FOREIGN KEY ("tenantId", "schemaId") REFERENCES "RegistrySchema"("tenantId", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegistryConfig" ADD CONSTRAINT "RegistryConfig_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
