CREATE TABLE "leases" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"owner" text NOT NULL,
	"expires_at" bigint NOT NULL,
	CONSTRAINT "leases_scope_key_pk" PRIMARY KEY("scope","key")
);
