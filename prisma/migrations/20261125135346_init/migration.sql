-- CreateEnum
CREATE TYPE "TenantStatus" AS ENUM ('ACTIVE', 'SUSPENDED');

-- CreateEnum
CREATE TYPE "TenantRole" AS ENUM ('TENANT_ADMIN', 'TENANT_MEMBER');

-- CreateEnum
CREATE TYPE "AclResourceType" AS ENUM ('TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID');

-- CreateEnum
CREATE TYPE "AclPatternType" AS ENUM ('LITERAL', 'PREFIXED');

-- CreateEnum
CREATE TYPE "AclOperation" AS ENUM ('ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE');

-- CreateEnum
CREATE TYPE "AclPermission" AS ENUM ('ALLOW', 'DENY');

-- CreateEnum
CREATE TYPE "LagRollupResolution" AS ENUM ('MINUTE', 'HOUR');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "status" "TenantStatus" NOT NULL DEFAULT 'ACTIVE',
    "plan" TEXT NOT NULL DEFAULT 'free',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantQuota" (
    "tenantId" UUID NOT NULL,
    "produceBytesPerSec" BIGINT,
    "fetchBytesPerSec" BIGINT,
    "storageBytes" BIGINT,
    "maxTopics" INTEGER,
    "maxPartitions" INTEGER,
    "maxConnections" INTEGER,
    "requestPercentage" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TenantQuota_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "passwordHash" TEXT NOT NULL,
    "isPlatformAdmin" BOOLEAN NOT NULL DEFAULT false,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Membership" (
    "userId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "role" "TenantRole" NOT NULL DEFAULT 'TENANT_MEMBER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Membership_pkey" PRIMARY KEY ("userId","tenantId")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PersonalApiToken" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "PersonalApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceAccount" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServiceAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceAccountQuota" (
    "serviceAccountId" UUID NOT NULL,
    "produceBytesPerSec" BIGINT,
    "fetchBytesPerSec" BIGINT,
    "requestPercentage" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServiceAccountQuota_pkey" PRIMARY KEY ("serviceAccountId")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "keyId" TEXT NOT NULL,
    "tenantId" UUID NOT NULL,
    "serviceAccountId" UUID NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "secretHash" TEXT NOT NULL,
    "scram256Salt" TEXT NOT NULL,
    "scram256Iter" INTEGER NOT NULL,
    "scram256Stored" TEXT NOT NULL,
    "scram256Server" TEXT NOT NULL,
    "scram512Salt" TEXT NOT NULL,
    "scram512Iter" INTEGER NOT NULL,
    "scram512Stored" TEXT NOT NULL,
    "scram512Server" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Topic" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "brokerName" TEXT NOT NULL,
    "partitions" INTEGER NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ownerTeam" TEXT NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Topic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AclBinding" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "principal" TEXT NOT NULL,
    "resourceType" "AclResourceType" NOT NULL,
    "patternType" "AclPatternType" NOT NULL DEFAULT 'LITERAL',
    "resourceName" TEXT NOT NULL,
    "operation" "AclOperation" NOT NULL,
    "permission" "AclPermission" NOT NULL DEFAULT 'ALLOW',
    "host" TEXT NOT NULL DEFAULT '*',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AclBinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" UUID,
    "actorEmail" TEXT NOT NULL,
    "tenantId" UUID,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsumerLagSample" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" UUID,
    "groupId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "committedOffset" BIGINT NOT NULL,
    "logEndOffset" BIGINT NOT NULL,
    "lag" BIGINT NOT NULL,
    "timeLagMs" BIGINT,
    "sampledAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConsumerLagSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsumerLagRollup" (
    "id" BIGSERIAL NOT NULL,
    "resolution" "LagRollupResolution" NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "tenantId" UUID,
    "groupId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "lagMin" BIGINT NOT NULL,
    "lagMax" BIGINT NOT NULL,
    "lagAvg" DOUBLE PRECISION NOT NULL,
    "timeLagMsMax" BIGINT,
    "committedOffset" BIGINT NOT NULL,
    "logEndOffset" BIGINT NOT NULL,

    CONSTRAINT "ConsumerLagRollup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_slug_key" ON "Tenant"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Membership_tenantId_idx" ON "Membership"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "PersonalApiToken_tokenHash_key" ON "PersonalApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "PersonalApiToken_userId_idx" ON "PersonalApiToken"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceAccount_tenantId_name_key" ON "ServiceAccount"("tenantId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyId_key" ON "ApiKey"("keyId");

-- CreateIndex
CREATE INDEX "ApiKey_tenantId_idx" ON "ApiKey"("tenantId");

-- CreateIndex
CREATE INDEX "ApiKey_serviceAccountId_idx" ON "ApiKey"("serviceAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "Topic_brokerName_key" ON "Topic"("brokerName");

-- CreateIndex
CREATE UNIQUE INDEX "Topic_tenantId_name_key" ON "Topic"("tenantId", "name");

-- CreateIndex
CREATE INDEX "AclBinding_tenantId_idx" ON "AclBinding"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "AclBinding_tenantId_principal_resourceType_patternType_reso_key" ON "AclBinding"("tenantId", "principal", "resourceType", "patternType", "resourceName", "operation", "permission", "host");

-- CreateIndex
CREATE INDEX "AuditLog_tenantId_at_idx" ON "AuditLog"("tenantId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "AuditLog_action_idx" ON "AuditLog"("action");

-- CreateIndex
CREATE INDEX "ConsumerLagSample_groupId_sampledAt_idx" ON "ConsumerLagSample"("groupId", "sampledAt");

-- CreateIndex
CREATE INDEX "ConsumerLagSample_tenantId_sampledAt_idx" ON "ConsumerLagSample"("tenantId", "sampledAt");

-- CreateIndex
CREATE INDEX "ConsumerLagSample_sampledAt_idx" ON "ConsumerLagSample"("sampledAt");

-- CreateIndex
CREATE INDEX "ConsumerLagRollup_resolution_bucketStart_idx" ON "ConsumerLagRollup"("resolution", "bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "ConsumerLagRollup_resolution_groupId_topic_partition_bucket_key" ON "ConsumerLagRollup"("resolution", "groupId", "topic", "partition", "bucketStart");

-- AddForeignKey
ALTER TABLE "TenantQuota" ADD CONSTRAINT "TenantQuota_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonalApiToken" ADD CONSTRAINT "PersonalApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceAccount" ADD CONSTRAINT "ServiceAccount_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceAccountQuota" ADD CONSTRAINT "ServiceAccountQuota_serviceAccountId_fkey" FOREIGN KEY ("serviceAccountId") REFERENCES "ServiceAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_serviceAccountId_fkey" FOREIGN KEY ("serviceAccountId") REFERENCES "ServiceAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Topic" ADD CONSTRAINT "Topic_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AclBinding" ADD CONSTRAINT "AclBinding_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
