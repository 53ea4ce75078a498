-- scimitar SQL backend, PostgreSQL: users, groups, group members and API keys.
-- Each resource has a stable sortable key (tenant, id); its body is JSON text, and the
-- attributes filters look up are indexed columns (userName and group displayName folded to
-- lower case in Rust, so every backend compares them the same way). Keys use the "C"
-- collation: byte order, the order of the memory backend and of SQLite.

CREATE TABLE scim_users (
    tenant      TEXT    NOT NULL,
    id          TEXT    COLLATE "C" NOT NULL,
    user_name   TEXT    COLLATE "C" NOT NULL,
    external_id TEXT,
    version     BIGINT  NOT NULL,
    created     BIGINT  NOT NULL,
    modified    BIGINT  NOT NULL,
    body        TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name);
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE scim_groups (
    tenant         TEXT    NOT NULL,
    id             TEXT    COLLATE "C" NOT NULL,
    display_name   TEXT    NOT NULL,
    display_folded TEXT    COLLATE "C" NOT NULL,
    external_id    TEXT,
    version        BIGINT  NOT NULL,
    created        BIGINT  NOT NULL,
    modified       BIGINT  NOT NULL,
    body           TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX scim_groups_display ON scim_groups (tenant, display_folded);
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE scim_group_members (
    tenant    TEXT NOT NULL,
    group_id  TEXT COLLATE "C" NOT NULL,
    member_id TEXT COLLATE "C" NOT NULL,
    kind      TEXT NOT NULL,
    display   TEXT,
    PRIMARY KEY (tenant, group_id, member_id),
    FOREIGN KEY (tenant, group_id) REFERENCES scim_groups (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_members_member ON scim_group_members (tenant, member_id, group_id);

CREATE TABLE scim_api_keys (
    id        TEXT    NOT NULL PRIMARY KEY,
    tenant    TEXT    NOT NULL,
    label     TEXT,
    hash      BYTEA   NOT NULL,
    created   BIGINT  NOT NULL,
    last_used BIGINT 
);
CREATE INDEX scim_api_keys_tenant ON scim_api_keys (tenant, created);
