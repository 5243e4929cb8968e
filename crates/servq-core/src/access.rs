//! Roles and what each may do: the one permission matrix every surface (web pages, REST API,
//! CLI) asks. Documented in `docs/roles.md`.

use std::{fmt, str::FromStr};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A front-line agent: sees only their own records.
    Agent,
    /// Runs a team or a queue: all KPIs, imports, staffing.
    Supervisor,
    /// Evaluates interactions: all KPIs and analyses.
    QaInspector,
    /// Reads everything, runs analyses, uses API tokens; changes nothing operational.
    Analyst,
    /// Everything, including users, settings and the audit log.
    Admin,
    /// Works the front desk: the service ledgers (lending, lost and found, medicine, cards,
    /// paid services) and nothing else.
    DeskStaff,
}

impl Role {
    /// Every role, least to most privileged.
    pub const ALL: [Role; 6] = [
        Role::DeskStaff,
        Role::Agent,
        Role::Supervisor,
        Role::QaInspector,
        Role::Analyst,
        Role::Admin,
    ];

    /// The stable name used in the database, the API and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::QaInspector => "qa_inspector",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::DeskStaff => "desk_staff",
        }
    }

    /// Whether this role may do `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        PERMISSIONS
            .iter()
            .find(|(p, _)| *p == permission)
            .is_some_and(|(_, roles)| roles.contains(&self))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a role (desk_staff, agent, supervisor, qa_inspector, analyst, admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.name() == text.trim())
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See KPIs of their own contacts (every role).
    ViewOwnKpis,
    /// See KPIs of every agent, team and queue.
    ViewAllKpis,
    /// Import contacts, agent states and rosters.
    ImportData,
    /// Staffing and forecasts.
    PlanStaffing,
    /// Regression and driver analysis.
    RunAnalysis,
    /// Create API tokens for scripts.
    UseApiTokens,
    /// Create users and change roles.
    ManageUsers,
    /// Change centre settings (time zone, KPI thresholds).
    ManageSettings,
    /// Read the audit log.
    ViewAuditLog,
    /// Score interactions on scorecards and re-review disputed evaluations; code the reasons of
    /// unsatisfied survey responses.
    EvaluateQuality,
    /// Edit survey templates, dispatch rules and the review reason lists; run the survey outbox.
    ManageSurveys,
    /// Edit QA scorecards and the automated-QA rule set.
    ManageQuality,
    /// Open, read and work tickets.
    HandleTickets,
    /// Change the business calendar, the SLA policy and the routing rules.
    ManageDesk,
    /// Set KPI targets and the trend-alert rule.
    ManageTargets,
    /// Write, change, restore and publish knowledge-base articles.
    EditKnowledge,
    /// Approve knowledge-base changes when the centre requires approval.
    PublishKnowledge,
    /// Build courses and their exams, assign them, grade short answers, see the results.
    ManageTraining,
    /// Keep the front-desk ledgers: lend and take back, register and hand over found items,
    /// card requests, paid services, receipts, the day's desk summary.
    UseLedgers,
    /// The emergency medicine log (who was given what): kept apart from the other ledgers.
    RecordMedicine,
    /// The ledgers' counts (summary and reconciliation) without the entries.
    ViewLedgerSummary,
    /// Lendable items, the medicine kit, retention rules and the purge.
    ManageLedgers,
    /// Read the risk register, the emergency plans and their drills.
    ViewRisks,
    /// Record and review risks, write emergency plans, schedule and record drills.
    ManageRisks,
}

use Role::{Admin, Agent, Analyst, DeskStaff, QaInspector, Supervisor};

/// The permission matrix: for each permission, the roles that have it.
pub const PERMISSIONS: &[(Permission, &[Role])] = &[
    (
        Permission::ViewOwnKpis,
        &[Agent, Supervisor, QaInspector, Analyst, Admin],
    ),
    (
        Permission::ViewAllKpis,
        &[Supervisor, QaInspector, Analyst, Admin],
    ),
    (Permission::ImportData, &[Supervisor, Analyst, Admin]),
    (Permission::PlanStaffing, &[Supervisor, Analyst, Admin]),
    (
        Permission::RunAnalysis,
        &[Supervisor, QaInspector, Analyst, Admin],
    ),
    (Permission::UseApiTokens, &[Supervisor, Analyst, Admin]),
    (Permission::ManageUsers, &[Admin]),
    (Permission::ManageSettings, &[Admin]),
    (Permission::ViewAuditLog, &[Admin]),
    (
        Permission::EvaluateQuality,
        &[Supervisor, QaInspector, Admin],
    ),
    (Permission::ManageSurveys, &[Supervisor, Admin]),
    (Permission::ManageQuality, &[Supervisor, Admin]),
    (
        Permission::HandleTickets,
        &[Agent, Supervisor, QaInspector, Admin],
    ),
    (Permission::ManageDesk, &[Supervisor, Admin]),
    (Permission::ManageTargets, &[Supervisor, Admin]),
    (Permission::EditKnowledge, &[Supervisor, QaInspector, Admin]),
    (Permission::PublishKnowledge, &[Supervisor, Admin]),
    (
        Permission::ManageTraining,
        &[Supervisor, QaInspector, Admin],
    ),
    (Permission::UseLedgers, &[DeskStaff, Supervisor, Admin]),
    (Permission::RecordMedicine, &[DeskStaff, Supervisor, Admin]),
    (
        Permission::ViewLedgerSummary,
        &[DeskStaff, Supervisor, Analyst, Admin],
    ),
    (Permission::ManageLedgers, &[Supervisor, Admin]),
    (
        Permission::ViewRisks,
        &[Supervisor, QaInspector, Analyst, Admin],
    ),
    (Permission::ManageRisks, &[Supervisor, Admin]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_agents_see_only_their_own() {
        for role in Role::ALL {
            assert_eq!(role.name().parse::<Role>(), Ok(role));
            assert_eq!(
                role.allows(Permission::ViewOwnKpis),
                role != Role::DeskStaff
            );
        }
        // desk staff see the ledgers and nothing else
        let desk: Vec<Permission> = PERMISSIONS
            .iter()
            .filter(|(_, roles)| roles.contains(&Role::DeskStaff))
            .map(|(permission, _)| *permission)
            .collect();
        assert_eq!(
            desk,
            [
                Permission::UseLedgers,
                Permission::RecordMedicine,
                Permission::ViewLedgerSummary
            ]
        );
        assert!(!Role::Agent.allows(Permission::ViewAllKpis));
        assert!(Role::Admin.allows(Permission::ViewAuditLog));
        // PRODUCT.md: the analyst "imports data, KPI reports, driver analysis, staffing"
        assert!(Role::Analyst.allows(Permission::ImportData));
        assert!(!Role::QaInspector.allows(Permission::ImportData));
        assert_eq!(
            "boss".parse::<Role>().unwrap_err().to_string(),
            "'boss' is not a role (desk_staff, agent, supervisor, qa_inspector, analyst, admin)"
        );
    }
}
