-- Managed Kafka clusters (issue 15) registered in the console: the admin principal's password sealed with
-- SAMSA_SECRETS_KEY, the loop's settings and last result, and a bounded history of reconcile reports.

-- CreateTable
CREATE TABLE "KafkaCluster" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "bootstrap" TEXT[],
    "saslMechanism" TEXT NOT NULL,
    "saslUsername" TEXT NOT NULL,
    "saslPasswordSealed" TEXT NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "reconcileIntervalMs" INTEGER NOT NULL DEFAULT 60000,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdByEmail" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastReconcileAt" TIMESTAMP(3),
    "lastReconcileStatus" TEXT,
    "lastReconcileError" TEXT,

    CONSTRAINT "KafkaCluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClusterReconcileRun" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "created" INTEGER NOT NULL DEFAULT 0,
    "repaired" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "refused" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "ClusterReconcileRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "KafkaCluster_name_key" ON "KafkaCluster"("name");

-- CreateIndex
CREATE INDEX "ClusterReconcileRun_clusterId_startedAt_idx" ON "ClusterReconcileRun"("clusterId", "startedAt");

-- AddForeignKey
ALTER TABLE "ClusterReconcileRun" ADD CONSTRAINT "ClusterReconcileRun_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "KafkaCluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
