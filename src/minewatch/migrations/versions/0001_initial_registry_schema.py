"""initial registry schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


ROLES = [
    ("admin", "Manages users and settings of the organisation; sees everything"),
    ("coordinator", "Manages sites, people, imports and exports"),
    ("field_officer", "Records visits and people at assigned sites"),
    ("child_protection_officer", "Sees and manages child-protection cases and children's identities"),
    ("auditor", "Auditor or buyer: read-only access to what the organisation shares"),
    ("viewer", "Read-only access to aggregate registry data"),
]


def _postgis_columns(table: str) -> None:
    """Generated PostGIS columns from the portable WKB, with GiST indexes (PostgreSQL only)."""
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN geom geometry(Geometry, 4326) "
        f"GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromWKB(geom_wkb), 4326)) STORED"
    )
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN geog geography(Geometry, 4326) "
        f"GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromWKB(geom_wkb), 4326)::geography) STORED"
    )
    op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING GIST (geom)")
    op.execute(f"CREATE INDEX ix_{table}_geog ON {table} USING GIST (geog)")


def upgrade() -> None:
    
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    op.create_table('roles',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_roles'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('before_digest', sa.String(length=64), nullable=True),
    sa.Column('after_digest', sa.String(length=64), nullable=True),
    sa.Column('context', sa.String(length=200), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_audit_events_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('org_id', 'seq', name=op.f('uq_audit_events_org_id_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('audit_heads',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_audit_heads_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_audit_heads'))
    )
    op.create_table('concessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('title_number', sa.String(length=120), nullable=True),
    sa.Column('holder', sa.Text(), nullable=True),
    sa.Column('title_type', sa.String(length=20), nullable=True),
    sa.Column('title_type_raw', sa.String(length=60), nullable=True),
    sa.Column('is_artisanal_zone', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=120), nullable=True),
    sa.Column('date_granted', sa.Date(), nullable=True),
    sa.Column('date_expires', sa.Date(), nullable=True),
    sa.Column('title_date', sa.Date(), nullable=True),
    sa.Column('properties', sa.JSON(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.Column('geom_wkb', sa.LargeBinary(), nullable=True),
    sa.Column('geometry_type', sa.String(length=20), nullable=True),
    sa.Column('min_lon', sa.Float(), nullable=True),
    sa.Column('min_lat', sa.Float(), nullable=True),
    sa.Column('max_lon', sa.Float(), nullable=True),
    sa.Column('max_lat', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_concessions_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concessions')),
    sa.UniqueConstraint('org_id', 'source', 'external_id', name=op.f('uq_concessions_org_id_source_external_id'))
    )

    op.create_table('cooperatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('registration_number', sa.String(length=120), nullable=True),
    sa.Column('registration_status', sa.String(length=40), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_cooperatives_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperatives')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_cooperatives_org_id_external_id'))
    )

    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_import_batches_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_org_id'), ['org_id'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=True),
    sa.Column('sex', sa.String(length=10), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('birth_precision', sa.String(length=12), nullable=True),
    sa.Column('preferred_language', sa.String(length=12), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('id_document_type', sa.String(length=40), nullable=True),
    sa.Column('id_document_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('consent_data', sa.Boolean(), nullable=True),
    sa.Column('consent_data_at', sa.Date(), nullable=True),
    sa.Column('consent_alerts', sa.Boolean(), nullable=True),
    sa.Column('consent_alerts_at', sa.Date(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_people_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_people_org_id_external_id'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_phone_hash'), ['phone_hash'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_users_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role'], ['roles.name'], name=op.f('fk_users_role_roles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('org_id', 'email', name=op.f('uq_users_org_id_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_org_id'), ['org_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('role_raw', sa.String(length=120), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_memberships_cooperative_id_cooperatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_memberships_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('org_id', 'person_id', 'cooperative_id', 'role', 'valid_from', name=op.f('uq_memberships_org_id_person_id_cooperative_id_role_valid_from'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_person_id'), ['person_id'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('admin1', sa.String(length=120), nullable=True),
    sa.Column('admin2', sa.String(length=120), nullable=True),
    sa.Column('admin3', sa.String(length=120), nullable=True),
    sa.Column('admin4', sa.String(length=120), nullable=True),
    sa.Column('locality', sa.String(length=120), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('location_accuracy_m', sa.Float(), nullable=True),
    sa.Column('location_origin', sa.String(length=20), nullable=True),
    sa.Column('location_origin_raw', sa.String(length=120), nullable=True),
    sa.Column('minerals_raw', sa.JSON(), nullable=True),
    sa.Column('mining_method', sa.String(length=30), nullable=True),
    sa.Column('mining_method_raw', sa.String(length=120), nullable=True),
    sa.Column('lifecycle_status', sa.String(length=20), nullable=True),
    sa.Column('legal_status', sa.String(length=30), nullable=True),
    sa.Column('cooperative_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('title_relation', sa.String(length=30), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.Column('geom_wkb', sa.LargeBinary(), nullable=True),
    sa.Column('geometry_type', sa.String(length=20), nullable=True),
    sa.Column('min_lon', sa.Float(), nullable=True),
    sa.Column('min_lat', sa.Float(), nullable=True),
    sa.Column('max_lon', sa.Float(), nullable=True),
    sa.Column('max_lat', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_sites_cooperative_id_cooperatives'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sites_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_sites_org_id_code'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_country'), ['country'], unique=False)
        batch_op.create_index('ix_sites_geometry_type_min_lat', ['geometry_type', 'min_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_title_relation'), ['title_relation'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=30), nullable=False),
    sa.Column('task_raw', sa.String(length=120), nullable=True),
    sa.Column('hours_per_week', sa.Float(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_assignments_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assignments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_assignments_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('org_id', 'person_id', 'site_id', 'task', 'valid_from', name=op.f('uq_assignments_org_id_person_id_site_id_task_valid_from'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_site_id'), ['site_id'], unique=False)

    op.create_table('site_concessions',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('concession_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['concession_id'], ['concessions.id'], name=op.f('fk_site_concessions_concession_id_concessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_concessions_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'concession_id', name=op.f('pk_site_concessions'))
    )
    with op.batch_alter_table('site_concessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_concessions_concession_id'), ['concession_id'], unique=False)

    op.create_table('site_minerals',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('mineral', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_minerals_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'mineral', name=op.f('pk_site_minerals'))
    )
    with op.batch_alter_table('site_minerals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_minerals_mineral'), ['mineral'], unique=False)

    op.create_table('site_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('source_visit_id', sa.String(length=120), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=True),
    sa.Column('team', sa.String(length=200), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('not_reached_reason', sa.String(length=300), nullable=True),
    sa.Column('workers_count', sa.Integer(), nullable=True),
    sa.Column('women_present', sa.Boolean(), nullable=True),
    sa.Column('women_work', sa.String(length=300), nullable=True),
    sa.Column('children_under15_present', sa.Boolean(), nullable=True),
    sa.Column('children_under15_working', sa.Boolean(), nullable=True),
    sa.Column('children_under15_work', sa.String(length=300), nullable=True),
    sa.Column('children_15_17_present', sa.Boolean(), nullable=True),
    sa.Column('children_15_17_working', sa.Boolean(), nullable=True),
    sa.Column('mercury_used', sa.Boolean(), nullable=True),
    sa.Column('cyanide_used', sa.Boolean(), nullable=True),
    sa.Column('armed_presence', sa.Boolean(), nullable=True),
    sa.Column('armed_interference', sa.Boolean(), nullable=True),
    sa.Column('interference_taxation', sa.Boolean(), nullable=True),
    sa.Column('interference_forced_labour', sa.Boolean(), nullable=True),
    sa.Column('interference_pillage', sa.Boolean(), nullable=True),
    sa.Column('interference_pit_ownership', sa.Boolean(), nullable=True),
    sa.Column('interference_buying', sa.Boolean(), nullable=True),
    sa.Column('armed_actors', sa.JSON(), nullable=True),
    sa.Column('state_services', sa.JSON(), nullable=True),
    sa.Column('selling_points', sa.JSON(), nullable=True),
    sa.Column('final_destinations', sa.JSON(), nullable=True),
    sa.Column('minerals', sa.JSON(), nullable=True),
    sa.Column('mechanisation', sa.String(length=40), nullable=True),
    sa.Column('traceability', sa.String(length=200), nullable=True),
    sa.Column('qualification', sa.String(length=20), nullable=True),
    sa.Column('access_dry', sa.String(length=40), nullable=True),
    sa.Column('access_wet', sa.String(length=40), nullable=True),
    sa.Column('is_3t_mine', sa.Boolean(), nullable=True),
    sa.Column('is_gold_mine', sa.Boolean(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_site_visits_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_visits_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_visits')),
    sa.UniqueConstraint('org_id', 'source', 'source_visit_id', name=op.f('uq_site_visits_org_id_source_source_visit_id'))
    )
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.create_index('ix_site_visits_site_date', ['site_id', 'visit_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_visits_visit_date'), ['visit_date'], unique=False)

    roles = sa.table("roles", sa.column("name", sa.String), sa.column("description", sa.String))
    op.bulk_insert(roles, [{"name": n, "description": d} for n, d in ROLES])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        _postgis_columns("sites")
        _postgis_columns("concessions")


def downgrade() -> None:
    
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_visits_visit_date'))
        batch_op.drop_index('ix_site_visits_site_date')

    op.drop_table('site_visits')
    with op.batch_alter_table('site_minerals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_minerals_mineral'))

    op.drop_table('site_minerals')
    with op.batch_alter_table('site_concessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_concessions_concession_id'))

    op.drop_table('site_concessions')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_site_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_person_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_title_relation'))
        batch_op.drop_index('ix_sites_geometry_type_min_lat')
        batch_op.drop_index(batch_op.f('ix_sites_country'))

    op.drop_table('sites')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_person_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_cooperative_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_org_id'))

    op.drop_table('users')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_phone_hash'))

    op.drop_table('people')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_org_id'))

    op.drop_table('import_batches')

    op.drop_table('cooperatives')

    op.drop_table('concessions')
    op.drop_table('audit_heads')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')

    op.drop_table('audit_events')
    op.drop_table('roles')
    op.drop_table('organisations')
    
