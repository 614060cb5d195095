-- Tenant-wide rate quotas shared by several processes (gateways): each instance's heartbeat, and the produce and
-- fetch bytes it served per tenant in its last sync window (@samsa/broker/shared-quota).
-- CreateTable
CREATE TABLE "SharedQuotaInstance" (
    "instanceId" TEXT NOT NULL,
    "syncIntervalMs" INTEGER NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SharedQuotaInstance_pkey" PRIMARY KEY ("instanceId")
);

-- CreateTable
CREATE TABLE "SharedQuotaUsage" (
    "instanceId" TEXT NOT NULL,
    "tenantId" UUID NOT NULL,
    "windowMs" INTEGER NOT NULL,
    "produceBytes" BIGINT NOT NULL,
    "fetchBytes" BIGINT NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SharedQuotaUsage_pkey" PRIMARY KEY ("instanceId","tenantId")
);

-- CreateIndex
CREATE INDEX "SharedQuotaInstance_seenAt_idx" ON "SharedQuotaInstance"("seenAt");

-- CreateIndex
CREATE INDEX "SharedQuotaUsage_reportedAt_idx" ON "SharedQuotaUsage"("reportedAt");

-- AddForeignKey
ALTER TABLE "SharedQuotaUsage" ADD CONSTRAINT "SharedQuotaUsage_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "SharedQuotaInstance"("instanceId") ON DELETE CASCADE ON UPDATE CASCADE;
