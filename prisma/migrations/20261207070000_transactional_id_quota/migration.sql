-- A tenant's bound on transactional ids (and so on its open transactions); null: the broker's default.
ALTER TABLE "TenantQuota" ADD COLUMN "maxTransactionalIds" INTEGER;
