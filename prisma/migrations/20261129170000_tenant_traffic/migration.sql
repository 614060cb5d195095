-- CreateTable
CREATE TABLE "TenantTraffic" (
    "tenantId" UUID NOT NULL,
    "windowMs" INTEGER NOT NULL,
    "produceBytes" BIGINT NOT NULL,
    "fetchBytes" BIGINT NOT NULL,
    "produceThrottleMs" BIGINT NOT NULL,
    "fetchThrottleMs" BIGINT NOT NULL,
    "connections" INTEGER NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TenantTraffic_pkey" PRIMARY KEY ("tenantId")
);

-- AddForeignKey
ALTER TABLE "TenantTraffic" ADD CONSTRAINT "TenantTraffic_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
