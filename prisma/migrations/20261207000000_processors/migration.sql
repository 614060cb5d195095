-- Processors: a tenant's stream transforms. The console writes versions, deployments and the desired state; the
-- processor host reads them, runs the active deployment and reports status, instances, logs and metric samples.

-- Per-tenant processor limits
ALTER TABLE "TenantQuota" ADD COLUMN "maxProcessors" INTEGER,
ADD COLUMN "processorMemoryMb" INTEGER,
ADD COLUMN "processorCpuMsPerSec" INTEGER;

-- CreateEnum
CREATE TYPE "ProcessorDesiredState" AS ENUM ('RUNNING', 'PAUSED');
CREATE TYPE "ProcessorStatus" AS ENUM ('PENDING', 'RUNNING', 'PAUSED', 'ERRORED', 'THROTTLED');
CREATE TYPE "ProcessorDelivery" AS ENUM ('AT_LEAST_ONCE', 'EXACTLY_ONCE');
CREATE TYPE "ProcessorErrorPolicy" AS ENUM ('DLQ', 'SKIP', 'STOP');
CREATE TYPE "ProcessorLanguage" AS ENUM ('JAVASCRIPT', 'TYPESCRIPT');
CREATE TYPE "ProcessorDeployAction" AS ENUM ('CREATE', 'UPDATE', 'ROLLBACK', 'REDEPLOY');
CREATE TYPE "ProcessorLogLevel" AS ENUM ('INFO', 'WARN', 'ERROR');

-- CreateTable
CREATE TABLE "Processor" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "desiredState" "ProcessorDesiredState" NOT NULL DEFAULT 'RUNNING',
    "activeDeploymentId" UUID,
    "status" "ProcessorStatus" NOT NULL DEFAULT 'PENDING',
    "statusReason" TEXT,
    "statusAt" TIMESTAMP(3),
    "lastError" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Processor_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ProcessorVersion" (
    "id" UUID NOT NULL,
    "processorId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "inputTopic" TEXT NOT NULL,
    "outputTopics" TEXT[],
    "dlqTopic" TEXT,
    "language" "ProcessorLanguage" NOT NULL,
    "source" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "delivery" "ProcessorDelivery" NOT NULL DEFAULT 'AT_LEAST_ONCE',
    "errorPolicy" "ProcessorErrorPolicy" NOT NULL DEFAULT 'DLQ',
    "retries" INTEGER NOT NULL DEFAULT 3,
    "retryBackoffMs" INTEGER NOT NULL DEFAULT 100,
    "env" JSONB NOT NULL DEFAULT '{}',
    "comment" TEXT NOT NULL DEFAULT '',
    "createdById" UUID,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessorVersion_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ProcessorDeployment" (
    "id" UUID NOT NULL,
    "processorId" UUID NOT NULL,
    "versionId" UUID NOT NULL,
    "action" "ProcessorDeployAction" NOT NULL,
    "startFrom" JSONB NOT NULL,
    "byId" UUID,
    "byEmail" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedAt" TIMESTAMP(3),

    CONSTRAINT "ProcessorDeployment_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ProcessorSecret" (
    "processorId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProcessorSecret_pkey" PRIMARY KEY ("processorId","name")
);

CREATE TABLE "ProcessorInstance" (
    "processorId" UUID NOT NULL,
    "hostId" TEXT NOT NULL,
    "partitions" INTEGER[],
    "stats" JSONB NOT NULL DEFAULT '{}',
    "heartbeatAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProcessorInstance_pkey" PRIMARY KEY ("processorId","hostId")
);

CREATE TABLE "ProcessorLog" (
    "id" BIGSERIAL NOT NULL,
    "processorId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "level" "ProcessorLogLevel" NOT NULL,
    "message" TEXT NOT NULL,
    "version" INTEGER,
    "partition" INTEGER,
    "offset" BIGINT,

    CONSTRAINT "ProcessorLog_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ProcessorMetricSample" (
    "id" BIGSERIAL NOT NULL,
    "processorId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "inPerSec" DOUBLE PRECISION NOT NULL,
    "outPerSec" DOUBLE PRECISION NOT NULL,
    "errorPerSec" DOUBLE PRECISION NOT NULL,
    "dropRatio" DOUBLE PRECISION NOT NULL,
    "lagRecords" BIGINT NOT NULL,
    "lagSeconds" DOUBLE PRECISION,
    "p50Ms" DOUBLE PRECISION,
    "p99Ms" DOUBLE PRECISION,
    "cpuMsPerSec" DOUBLE PRECISION NOT NULL,
    "memoryBytes" BIGINT NOT NULL,

    CONSTRAINT "ProcessorMetricSample_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ProcessorRedrive" (
    "id" UUID NOT NULL,
    "processorId" UUID NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "byEmail" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "progress" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,

    CONSTRAINT "ProcessorRedrive_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Processor_activeDeploymentId_key" ON "Processor"("activeDeploymentId");
CREATE UNIQUE INDEX "Processor_tenantId_name_key" ON "Processor"("tenantId", "name");
CREATE UNIQUE INDEX "ProcessorVersion_processorId_version_key" ON "ProcessorVersion"("processorId", "version");
CREATE INDEX "ProcessorDeployment_processorId_at_idx" ON "ProcessorDeployment"("processorId", "at");
CREATE INDEX "ProcessorLog_processorId_id_idx" ON "ProcessorLog"("processorId", "id");
CREATE INDEX "ProcessorMetricSample_processorId_at_idx" ON "ProcessorMetricSample"("processorId", "at");
CREATE INDEX "ProcessorRedrive_processorId_requestedAt_idx" ON "ProcessorRedrive"("processorId", "requestedAt");

-- AddForeignKey
ALTER TABLE "Processor" ADD CONSTRAINT "Processor_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Processor" ADD CONSTRAINT "Processor_activeDeploymentId_fkey" FOREIGN KEY ("activeDeploymentId") REFERENCES "ProcessorDeployment"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "ProcessorVersion" ADD CONSTRAINT "ProcessorVersion_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorDeployment" ADD CONSTRAINT "ProcessorDeployment_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorDeployment" ADD CONSTRAINT "ProcessorDeployment_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "ProcessorVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorSecret" ADD CONSTRAINT "ProcessorSecret_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorInstance" ADD CONSTRAINT "ProcessorInstance_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorLog" ADD CONSTRAINT "ProcessorLog_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorMetricSample" ADD CONSTRAINT "ProcessorMetricSample_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProcessorRedrive" ADD CONSTRAINT "ProcessorRedrive_processorId_fkey" FOREIGN KEY ("processorId") REFERENCES "Processor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
