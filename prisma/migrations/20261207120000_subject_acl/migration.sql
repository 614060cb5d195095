-- ACLs on schema registry subjects (issue 16): enforced by the registry, ignored by the broker.
ALTER TYPE "AclResourceType" ADD VALUE 'SUBJECT';
