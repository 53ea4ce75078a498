-- scimitar SQL backend, PostgreSQL: resources of types registered at run time (RFC 7643 §6),
-- e.g. a Device. One row per resource, keyed (tenant, resource_type, id), its body JSON text
-- without id and meta; resource_type is the type's name folded to lower case in Rust.
-- scim_resource_unique holds the values a type declares unique (uniqueness server/global,
-- kept per tenant and type), folded in Rust unless caseExact, so the database refuses a
-- second holder atomically. Keys use the "C" collation (byte order, as SQLite and memory).

CREATE TABLE scim_resources (
    tenant        TEXT    NOT NULL,
    resource_type TEXT    COLLATE "C" NOT NULL,
    id            TEXT    COLLATE "C" NOT NULL,
    external_id   TEXT,
    version       BIGINT  NOT NULL,
    created       BIGINT  NOT NULL,
    modified      BIGINT  NOT NULL,
    body          TEXT    NOT NULL,
    PRIMARY KEY (tenant, resource_type, id)
);
CREATE INDEX scim_resources_external_id ON scim_resources (tenant, resource_type, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE scim_resource_unique (
    tenant        TEXT NOT NULL,
    resource_type TEXT COLLATE "C" NOT NULL,
    attribute     TEXT COLLATE "C" NOT NULL,
    value         TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, resource_type, attribute, value),
    FOREIGN KEY (tenant, resource_type, id)
        REFERENCES scim_resources (tenant, resource_type, id) ON DELETE CASCADE
);
CREATE INDEX scim_resource_unique_holder ON scim_resource_unique (tenant, resource_type, id);
