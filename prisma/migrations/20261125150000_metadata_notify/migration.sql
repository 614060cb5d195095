-- The broker keeps an in-memory view of tenants, API keys, quotas and ACLs and follows changes through
-- LISTEN samsa_metadata. These triggers announce every change to the tables that view is built from.
CREATE OR REPLACE FUNCTION samsa_notify_metadata() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('samsa_metadata', TG_TABLE_NAME);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Tenant_notify_metadata" AFTER INSERT OR UPDATE OR DELETE ON "Tenant"
  FOR EACH STATEMENT EXECUTE FUNCTION samsa_notify_metadata();
CREATE TRIGGER "TenantQuota_notify_metadata" AFTER INSERT OR UPDATE OR DELETE ON "TenantQuota"
  FOR EACH STATEMENT EXECUTE FUNCTION samsa_notify_metadata();
CREATE TRIGGER "ServiceAccount_notify_metadata" AFTER INSERT OR UPDATE OR DELETE ON "ServiceAccount"
  FOR EACH STATEMENT EXECUTE FUNCTION samsa_notify_metadata();
CREATE TRIGGER "ServiceAccountQuota_notify_metadata" AFTER INSERT OR UPDATE OR DELETE ON "ServiceAccountQuota"
  FOR EACH STATEMENT EXECUTE FUNCTION samsa_notify_metadata();
CREATE TRIGGER "ApiKey_notify_metadata" AFTER INSERT OR UPDATE OR DELETE ON "ApiKey"
  FOR EACH STATEMENT EXECUTE FUNCTION samsa_notify_metadata();
CREATE TRIGGER "AclBinding_notify_metadata" AFTER INSERT OR UPDATE OR DELETE ON "AclBinding"
  FOR EACH STATEMENT EXECUTE FUNCTION samsa_notify_metadata();
