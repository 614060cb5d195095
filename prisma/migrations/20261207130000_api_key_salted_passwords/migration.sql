-- Managed Kafka clusters (issue 15): each API key's SCRAM salted passwords, sealed with SAMSA_SECRETS_KEY when the key
-- is created (the only moment the secret is known), so the control plane can place the key on an Apache Kafka
-- cluster (AlterUserScramCredentials takes the salted password) and repair it there. Null for keys made without the
-- secrets key, or before this migration.
ALTER TABLE "ApiKey" ADD COLUMN "scram256SaltedSealed" TEXT;
ALTER TABLE "ApiKey" ADD COLUMN "scram512SaltedSealed" TEXT;
