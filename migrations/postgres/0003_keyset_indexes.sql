-- scimitar SQL backend, PostgreSQL: the lookup indexes end in id, so a cursor walk filtered by
-- one of them (RFC 9865: `WHERE tenant = ? AND external_id = ? AND id > ? ORDER BY id LIMIT n`)
-- reads only its page, in order, however deep the walk is.

DROP INDEX scim_users_external_id;
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id, id)
    WHERE external_id IS NOT NULL;

DROP INDEX scim_groups_display;
CREATE INDEX scim_groups_display ON scim_groups (tenant, display_folded, id);

DROP INDEX scim_groups_external_id;
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id, id)
    WHERE external_id IS NOT NULL;

DROP INDEX scim_resources_external_id;
CREATE INDEX scim_resources_external_id ON scim_resources (tenant, resource_type, external_id, id)
    WHERE external_id IS NOT NULL;
