-- History of each tenant's traffic and storage, per tenant (topic '') and per topic, written by the broker's traffic
-- reporter: raw rows (one per report) and minute and hour roll-ups upserted in the same statement.
CREATE TYPE "TrafficResolution" AS ENUM ('RAW', 'MINUTE', 'HOUR');

CREATE TABLE "TrafficHistory" (
    "resolution" "TrafficResolution" NOT NULL,
    "tenantId" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "windowMs" BIGINT NOT NULL,
    "produceBytes" BIGINT NOT NULL,
    "fetchBytes" BIGINT NOT NULL,
    "produceRecords" BIGINT NOT NULL,
    "fetchRecords" BIGINT NOT NULL,
    "produceThrottleMs" BIGINT NOT NULL,
    "fetchThrottleMs" BIGINT NOT NULL,
    "storageBytes" BIGINT,
    "connections" INTEGER NOT NULL,

    CONSTRAINT "TrafficHistory_pkey" PRIMARY KEY ("resolution", "tenantId", "topic", "bucketStart")
);

CREATE INDEX "TrafficHistory_resolution_bucketStart_idx" ON "TrafficHistory"("resolution", "bucketStart");

ALTER TABLE "TrafficHistory" ADD CONSTRAINT "TrafficHistory_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
