"""the database refuses control characters in text: a trigger on every table with text
columns refuses a row whose text holds one (tab, line feed and carriage return pass)

Revision ID: c60b23e6555c
Revises: 7b6b8c0dfa98
Create Date: 2026-12-04 16:25:53.143376

"""
from alembic import op

from conference.db import control_character_ddl, drop_control_character_ddl

# revision identifiers, used by Alembic.
revision = 'c60b23e6555c'
down_revision = '7b6b8c0dfa98'
branch_labels = None
depends_on = None

#: Every table with text columns at this revision, and those columns. Written out, not read
#: from the models, so that the revision keeps doing what it did when the models change. A later
#: revision that adds a table or a text column (or rebuilds a table on SQLite, which drops its
#: triggers) gives it the triggers again.
TABLES = {
    'action_updates': ['note'],
    'actions': ['description', 'owner_name'],
    'address_disclosures': ['reason'],
    'agencies': ['name', 'contact_name', 'contact_email', 'contact_phone'],
    'agenda_changes': ['reason'],
    'agenda_items': ['over_capacity_reason', 'defer_reason'],
    'attendees': ['name', 'job_title'],
    'audit_events': ['verb', 'object_type', 'ip', 'request_id', 'origin'],
    'calendar_feeds': ['token_hash'],
    'case_closures': ['reason'],
    'case_transfers': ['from_reference', 'reason', 'decline_reason'],
    'cases': ['reference', 'close_reason'],
    'checklist_answers': ['question_id'],
    'conferences': ['place', 'video_link', 'cancel_reason'],
    'discussions': ['information_shared', 'risk_to_victim', 'risk_to_children', 'risk_to_others', 'risk_to_staff', 'perpetrator_risk_factors', 'decisions', 'no_action_reason'],
    'escalation_entries': ['note'],
    'escalation_entry_actions': ['case_reference'],
    'escalation_entry_changes': ['note'],
    'job_runs': ['job', 'error_id'],
    'maracs': ['name', 'code', 'timezone', 'risk_tool_id', 'confidentiality_statement', 'core_agency_kinds'],
    'meeting_rules': ['place', 'video_link'],
    'minutes': ['opening_notes', 'other_business'],
    'minutes_revisions': ['reason'],
    'notifications': ['kind', 'key', 'reference', 'endpoint'],
    'outbound_emails': ['to_address', 'subject', 'body', 'last_error', 'message_id'],
    'password_set_links': ['token_hash'],
    'perpetrator_risks': ['risk_to_new_partner', 'risk_to_children', 'risk_to_family', 'risk_to_public', 'risk_to_staff'],
    'referral_children': ['relation_to_victim', 'relation_to_perpetrator', 'school', 'given_name', 'family_name'],
    'referral_incidents': ['summary'],
    'referral_perpetrators': ['aliases', 'address', 'given_name', 'family_name'],
    'referral_transitions': ['reason'],
    'referrals': ['risk_tool_id', 'victim_given_name', 'victim_family_name', 'victim_aliases', 'victim_language', 'victim_address', 'victim_phone', 'contact_notes', 'who_she_fears', 'safe_contacts', 'unsafe_contacts', 'judgement_reasons', 'consent_reason', 'narrative', 'key_worker', 'exploitation_notes', 'reported_by'],
    'research_perpetrator_findings': ['summary'],
    'research_returns': ['summary'],
    'system_issue_cases': ['case_reference'],
    'system_issue_changes': ['owner', 'note'],
    'system_issues': ['description', 'owner', 'outcome'],
    'transfer_action_decisions': ['close_reason'],
    'users': ['email', 'name', 'job_title', 'password_hash', 'totp_secret_sealed'],
    'victim_voices': ['no_contact_reason', 'views', 'wishes', 'fears', 'consent_to_share', 'safe_contact', 'outcome_not_told_reason', 'feels_safer', 'outcome_notes'],
    'web_sessions': ['id_hash', 'data'],
}


def upgrade():
    for statement in control_character_ddl(op.get_bind().dialect.name, TABLES):
        op.execute(statement)


def downgrade():
    dialect_name = op.get_bind().dialect.name
    for statement in drop_control_character_ddl(dialect_name, list(TABLES)):
        op.execute(statement)
    if dialect_name == "postgresql":
        op.execute("DROP FUNCTION refuse_control_characters()")
