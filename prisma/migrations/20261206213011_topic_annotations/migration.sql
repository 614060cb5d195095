-- The broker is the one record of topics, partitions and configs: the console's Topic table becomes TopicAnnotation,
-- which keeps only what Kafka has no place for (description, owner team, tags), keyed by tenant and topic name and
-- bound to the broker's topic id. Carried-over rows have no topic id yet: the console's first read of the tenant's
-- topics binds each to the topic of that name on the broker (or removes it when there is none).

-- CreateTable
CREATE TABLE "TopicAnnotation" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "topicId" TEXT,
    "description" TEXT NOT NULL DEFAULT '',
    "ownerTeam" TEXT NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TopicAnnotation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TopicAnnotation_tenantId_name_key" ON "TopicAnnotation"("tenantId", "name");

-- AddForeignKey
ALTER TABLE "TopicAnnotation" ADD CONSTRAINT "TopicAnnotation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Move the annotations of the old Topic rows
INSERT INTO "TopicAnnotation" ("id", "tenantId", "name", "topicId", "description", "ownerTeam", "tags", "createdAt", "updatedAt")
SELECT "id", "tenantId", "name", NULL, "description", "ownerTeam", COALESCE("tags", ARRAY[]::TEXT[]), "createdAt", "updatedAt"
FROM "Topic";

-- DropForeignKey
ALTER TABLE "Topic" DROP CONSTRAINT "Topic_tenantId_fkey";

-- DropTable
DROP TABLE "Topic";
