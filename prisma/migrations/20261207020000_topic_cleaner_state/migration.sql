-- The log cleaner's state per partition of a tenant's compacted topic, written by the broker's traffic reporter
-- (upserted when it changes, and at least once a minute) for the console's topic page: the dirty ratio and the last
-- clean since the broker started (when it ended, how long it took, the rewritten segments' bytes before and after).
CREATE TABLE "TopicCleanerState" (
    "tenantId" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "dirtyRatio" DOUBLE PRECISION NOT NULL,
    "lastCleanAt" TIMESTAMP(3),
    "lastCleanDurationMs" BIGINT,
    "lastCleanBytesBefore" BIGINT,
    "lastCleanBytesAfter" BIGINT,
    "reportedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TopicCleanerState_pkey" PRIMARY KEY ("tenantId", "topic", "partition")
);

CREATE INDEX "TopicCleanerState_reportedAt_idx" ON "TopicCleanerState"("reportedAt");

ALTER TABLE "TopicCleanerState" ADD CONSTRAINT "TopicCleanerState_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
