//! Customers (docs/customers.md): one customer's profile and history as one timeline — contacts,
//! tickets, survey answers, return visits, newest first — with the measures the customer page
//! and `servq customers show` give, and who sees the personal fields whole.

use anyhow::Result;
use serde_json::{Value, json};
use servq_store::{CustomerHistory, Store, StoredCustomer};

/// What happened with a customer, as the timeline lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// `contact`, `ticket`, `survey` or `return_visit` (the contract's kinds).
    pub kind: &'static str,
    /// The contact, ticket or response id (a return visit: its ticket).
    pub id: String,
    /// When, UTC ms.
    pub at_ms: i64,
    /// The page it opens.
    pub link: String,
    /// A ticket of the complaint type.
    pub complaint: bool,
    /// What to show beside it (plain text): channel · queue · category · agent; a ticket's
    /// subject and status; a survey's CSAT/NPS and comment; a visit's outcome.
    pub summary: String,
}

/// The customer page's figures, over everything stored (never capped by a limit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerMeasures {
    /// Contacts.
    pub contacts: usize,
    /// Tickets (complaints included).
    pub tickets: usize,
    /// Tickets of the complaint type.
    pub complaints: usize,
    /// Tickets not yet resolved or closed.
    pub open_tickets: usize,
    /// Mean CSAT (1–5) of the survey answers with one.
    pub csat_mean: Option<f64>,
    /// Answered contacts followed by another within the FCR window, over answered contacts.
    pub repeat_contact_rate: Option<f64>,
}

/// A customer as the page and the command line show them.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerView {
    /// The id.
    pub customer_id: String,
    /// The profile, when one was imported or saved (history may name a customer without one).
    pub profile: Option<StoredCustomer>,
    /// Newest first; capped by the caller's limit.
    pub timeline: Vec<TimelineEntry>,
    /// Over all of the history.
    pub measures: CustomerMeasures,
    /// Whether the reader sees phone and e-mail whole ([`sees_personal_fields`]).
    pub personal_fields_whole: bool,
    /// The tags the tag rules give them now ([`refresh_rule_tags`]).
    pub rule_tags: Vec<String>,
    /// Ids merged into this customer ([`merge`]).
    pub merged_ids: Vec<String>,
}

impl CustomerView {
    /// The typed tags.
    pub fn typed_tags(&self) -> &[String] {
        self.profile
            .as_ref()
            .map_or(&[], |p| p.record.tags.as_slice())
    }

    /// The rule tags not also typed, shown after the typed ones.
    pub fn computed_tags(&self) -> Vec<String> {
        let typed = self.typed_tags();
        self.rule_tags
            .iter()
            .filter(|tag| !typed.contains(tag))
            .cloned()
            .collect()
    }

    /// Every tag: typed, then computed.
    pub fn all_tags(&self) -> Vec<String> {
        let mut tags = self.typed_tags().to_vec();
        tags.extend(self.computed_tags());
        tags
    }
}

/// Merges the customers `duplicates` into `keep` (docs/customers.md#merging): their contacts,
/// tickets and survey invitations move to `keep` with FCR re-linked, the profiles become one
/// ([`servq_core::CustomerRecord::merged`]), each merge is recorded and audited. Refused, with
/// nothing changed, when an id is empty, unknown, repeated or the kept one.
pub async fn merge(
    store: &Store,
    keep: &str,
    duplicates: &[String],
    actor: &servq_store::Actor,
) -> Result<servq_store::MergeSummary, crate::SettingError> {
    use servq_core::{SettingProblem, SettingReason};
    let keep = keep.trim();
    let duplicates: Vec<String> = duplicates.iter().map(|d| d.trim().to_owned()).collect();
    let mut problems = Vec::new();
    let known = |profile: &Option<StoredCustomer>, history: &CustomerHistory| {
        profile.is_some() || !history.is_empty()
    };
    let kept_profile = store.customer(keep).await?;
    if keep.is_empty() {
        problems.push(SettingProblem::new("id", SettingReason::Required));
    } else if !known(&kept_profile, &store.customer_history(keep, Some(1)).await?) {
        problems.push(SettingProblem::new(
            "id",
            SettingReason::Unknown(keep.to_owned()),
        ));
    }
    if duplicates.is_empty() {
        problems.push(SettingProblem::new("duplicates", SettingReason::Empty));
    }
    let mut profiles = Vec::new();
    for (index, duplicate) in duplicates.iter().enumerate() {
        let field = format!("duplicates.{index}");
        if duplicate.is_empty() {
            problems.push(SettingProblem::new(field, SettingReason::Required));
        } else if duplicate == keep || duplicates[..index].contains(duplicate) {
            problems.push(SettingProblem::new(
                field,
                SettingReason::Duplicate(duplicate.clone()),
            ));
        } else {
            let profile = store.customer(duplicate).await?;
            if !known(&profile, &store.customer_history(duplicate, Some(1)).await?) {
                problems.push(SettingProblem::new(
                    field,
                    SettingReason::Unknown(duplicate.clone()),
                ));
            }
            profiles.extend(profile.map(|p| p.record));
        }
    }
    if !problems.is_empty() {
        return Err(crate::SettingError::Refused(problems));
    }
    let merged = servq_core::CustomerRecord::merged(
        keep,
        kept_profile.as_ref().map(|p| &p.record),
        &profiles.iter().collect::<Vec<_>>(),
    );
    let now = crate::now_ms();
    let summary = store
        .merge_customers(keep, &duplicates, merged.as_ref(), actor, now)
        .await?;
    history_changed(store, keep, now).await;
    Ok(summary)
}

/// The setting that holds the centre's tag rules (JSON list of `servq_core::TagRule`); absent:
/// [`servq_core::default_tag_rules`].
pub const TAG_RULES_SETTING: &str = "customer_tag_rules";

/// The centre's tag rules.
pub async fn tag_rules(store: &Store) -> Result<Vec<servq_core::TagRule>> {
    Ok(match store.text_setting(TAG_RULES_SETTING).await? {
        Some(text) => serde_json::from_str(&text).map_err(|error| {
            anyhow::anyhow!("setting {TAG_RULES_SETTING} no longer reads: {error}")
        })?,
        None => servq_core::default_tag_rules(),
    })
}

/// Saves the tag rules (refused with every problem at `rules.{n}.{field}`), audited, and gives
/// everyone their tags under them at once; gives how many customers' tags changed.
pub async fn save_tag_rules(
    store: &Store,
    rules: Vec<servq_core::TagRule>,
    actor: &servq_store::Actor,
) -> Result<usize, crate::SettingError> {
    let rules: Vec<servq_core::TagRule> = rules
        .into_iter()
        .map(|rule| servq_core::TagRule {
            tag: rule.tag.trim().to_owned(),
            ..rule
        })
        .collect();
    servq_core::check_tag_rules(&rules).map_err(|problems| {
        crate::SettingError::Refused(problems.into_iter().map(|p| p.under("rules")).collect())
    })?;
    let text = serde_json::to_string(&rules).map_err(anyhow::Error::from)?;
    store
        .set_text_setting(TAG_RULES_SETTING, &text, actor, crate::now_ms())
        .await?;
    Ok(refresh_rule_tags(store, None, crate::now_ms()).await?)
}

/// After one customer's history changed (a ticket opened, a survey answered, the profile
/// saved): their rule tags now. A failure is logged, not raised — what changed is stored, and
/// the daily `customer-tags` job gives the tags again.
pub async fn history_changed(store: &Store, customer_id: &str, now_ms: i64) {
    let customer_id = customer_id.trim();
    if customer_id.is_empty() {
        return;
    }
    if let Err(error) = refresh_rule_tags(store, Some(customer_id), now_ms).await {
        tracing::warn!("rule tags of customer {customer_id} not refreshed: {error:#}");
    }
}

/// Gives everyone (`scope` `None`: the daily job, after an import, after the rules change) or
/// one customer (their history changed) the tags the rules give at `now_ms`; a tag whose
/// condition no longer holds is taken away. Gives how many customers' tags changed.
pub async fn refresh_rule_tags(store: &Store, scope: Option<&str>, now_ms: i64) -> Result<usize> {
    let rules = tag_rules(store).await?;
    let (contacts_ms, complaints_ms) = servq_core::look_back_ms(&rules);
    let enabled = |kind: &str| {
        rules
            .iter()
            .any(|rule| rule.enabled && rule.condition.kind() == kind)
    };
    let look_back = servq_store::TagLookBack {
        contacts_ms,
        complaints_ms,
        surveys: enabled("unsatisfied_last_survey"),
        segments: enabled("segment"),
    };
    let facts = store.customer_tag_facts(now_ms, look_back, scope).await?;
    let mut tags: Vec<(String, String)> = Vec::new();
    for (customer, facts) in &facts {
        for tag in servq_core::rule_tags(&rules, facts, now_ms) {
            tags.push((customer.clone(), tag));
        }
    }
    Ok(store.replace_customer_rule_tags(scope, &tags).await?)
}

/// Who reads a customer.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// The store's owner (the command line): everything whole.
    Owner,
    /// A signed-in user with this role and agent id.
    User {
        /// Their role.
        role: servq_core::Role,
        /// Their agent id, if they are an agent.
        agent_id: Option<&'a str>,
    },
}

/// The history as one list, newest first (ties: kind, then id).
pub fn timeline(history: &CustomerHistory) -> Vec<TimelineEntry> {
    let mut entries = Vec::new();
    for contact in &history.contacts {
        let parts: Vec<&str> = [
            contact.channel.as_str(),
            contact.queue.as_str(),
            contact.category.as_str(),
            contact.agent_id.as_str(),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
        entries.push(TimelineEntry {
            kind: "contact",
            id: contact.contact_id.clone(),
            at_ms: contact.offered_ms,
            link: format!("/contacts/{}", crate::path_segment(&contact.contact_id)),
            complaint: false,
            summary: parts.join(" · "),
        });
    }
    for ticket in &history.tickets {
        entries.push(TimelineEntry {
            kind: "ticket",
            id: ticket.ticket_id.clone(),
            at_ms: ticket.created_ms,
            link: format!("/tickets/{}", crate::path_segment(&ticket.ticket_id)),
            complaint: ticket.ticket_type == servq_desk::COMPLAINT,
            summary: ticket.subject.clone(),
        });
    }
    for survey in &history.surveys {
        let mut parts = Vec::new();
        if let Some(csat) = survey.csat {
            parts.push(format!("CSAT {csat}"));
        }
        if let Some(nps) = survey.nps {
            parts.push(format!("NPS {nps}"));
        }
        if !survey.comment.is_empty() {
            parts.push(survey.comment.clone());
        }
        entries.push(TimelineEntry {
            kind: "survey",
            id: survey.response_id.clone(),
            at_ms: survey.responded_ms,
            link: format!("/contacts/{}", crate::path_segment(&survey.contact_id)),
            complaint: false,
            summary: parts.join(" · "),
        });
    }
    for visit in &history.visits {
        entries.push(TimelineEntry {
            kind: "return_visit",
            id: visit.ticket_id.clone(),
            at_ms: visit.visited_ms,
            link: format!("/tickets/{}", crate::path_segment(&visit.ticket_id)),
            complaint: true,
            summary: visit.outcome.clone(),
        });
    }
    entries.sort_by(|a, b| {
        b.at_ms
            .cmp(&a.at_ms)
            .then_with(|| a.kind.cmp(b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
    entries
}

/// Customer `customer_id`'s profile, timeline (at most `limit` entries; `None`: all) and
/// measures as `reader` sees them at `now_ms`; `None` when nothing at all is stored about them.
pub async fn view(
    store: &Store,
    customer_id: &str,
    limit: Option<usize>,
    reader: Reader<'_>,
    now_ms: i64,
) -> Result<Option<CustomerView>> {
    let mut customer_id = customer_id.trim().to_owned();
    let mut profile = store.customer(&customer_id).await?;
    let mut history = store.customer_history(&customer_id, None).await?;
    if profile.is_none() && history.is_empty() {
        // a merged id leads to the customer it was merged into
        let Some(kept) = store.customer_merged_into(&customer_id).await? else {
            return Ok(None);
        };
        profile = store.customer(&kept).await?;
        history = store.customer_history(&kept, None).await?;
        customer_id = kept;
    }
    let customer_id = customer_id.as_str();
    let settings = store.kpi_settings().await?;
    let times: Vec<(i64, bool)> = history
        .contacts
        .iter()
        .map(|c| (c.offered_ms, c.answered))
        .collect();
    let csat: Vec<i64> = history.surveys.iter().filter_map(|s| s.csat).collect();
    let measures = CustomerMeasures {
        contacts: history.contacts.len(),
        tickets: history.tickets.len(),
        complaints: history
            .tickets
            .iter()
            .filter(|t| t.ticket_type == servq_desk::COMPLAINT)
            .count(),
        open_tickets: history
            .tickets
            .iter()
            .filter(|t| t.status.is_unresolved())
            .count(),
        csat_mean: (!csat.is_empty()).then(|| csat.iter().sum::<i64>() as f64 / csat.len() as f64),
        repeat_contact_rate: servq_core::repeat_contact_rate(&times, settings.fcr_window_ms),
    };
    let personal_fields_whole = sees_personal_fields(reader, &history, now_ms);
    let rule_tags = store.customer_rule_tags(customer_id).await?;
    let merged_ids = store.customers_merged_into(customer_id).await?;
    let mut timeline = timeline(&history);
    if let Some(limit) = limit {
        timeline.truncate(limit);
    }
    Ok(Some(CustomerView {
        customer_id: customer_id.to_owned(),
        profile,
        timeline,
        measures,
        personal_fields_whole,
        rule_tags,
        merged_ids,
    }))
}

/// Whether `agent_id` serves the customer of `history` now — assigned one of their unresolved
/// tickets, or handled one of their contacts in the last 30 days (docs/customers.md#access).
pub fn serves(history: &CustomerHistory, agent_id: &str, now_ms: i64) -> bool {
    const RECENT_MS: i64 = 30 * 86_400_000;
    history
        .tickets
        .iter()
        .any(|t| t.assignee == agent_id && t.status.is_unresolved())
        || history
            .contacts
            .iter()
            .any(|c| c.agent_id == agent_id && now_ms - c.offered_ms <= RECENT_MS)
}

/// The profile's phone and e-mail as a reader sees them: whole for `whole`, else masked.
pub fn personal_fields(profile: &StoredCustomer, whole: bool) -> (String, String) {
    let record = &profile.record;
    if whole {
        (record.phone.clone(), record.email.clone())
    } else {
        (
            servq_core::mask_phone(&record.phone),
            servq_core::mask_email(&record.email),
        )
    }
}

/// A customer as the `servq customers show --format json` contract and `GET
/// /api/v1/customers/{id}` write it; times in the centre's zone; phone and e-mail as the
/// reader of `view` sees them.
pub fn view_json(view: &CustomerView, zone: &jiff::tz::TimeZone) -> Value {
    let profile = view.profile.as_ref();
    let day = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string());
    let (phone, email) = profile.map_or((String::new(), String::new()), |p| {
        personal_fields(p, view.personal_fields_whole)
    });
    let m = &view.measures;
    json!({
        "customer_id": view.customer_id,
        "name": profile.map_or("", |p| p.record.name.as_str()),
        "phone": phone,
        "email": email,
        "language": profile.map_or("", |p| p.record.language.as_str()),
        "segment": profile.map_or("", |p| p.record.segment.as_str()),
        "tags": view.all_tags(),
        "rule_tags": view.rule_tags,
        "merged_ids": view.merged_ids,
        "since": profile.and_then(|p| day(p.record.since)),
        "closed_at": profile.and_then(|p| day(p.record.closed_at)),
        "attributes": profile.map_or(json!({}), |p| json!(p.record.attributes)),
        "timeline": view.timeline.iter().map(|entry| json!({
            "kind": entry.kind,
            "id": entry.id,
            "at": crate::rfc3339_in(entry.at_ms, zone),
            "complaint": entry.complaint,
            "summary": entry.summary,
        })).collect::<Vec<_>>(),
        "measures": {
            "contacts": m.contacts,
            "tickets": m.tickets,
            "complaints": m.complaints,
            "open_tickets": m.open_tickets,
            "csat_mean": m.csat_mean.map(crate::analysis::json_number),
            "repeat_contact_rate": m.repeat_contact_rate.map(crate::analysis::json_number),
        },
    })
}

/// Whether `reader` sees the phone and e-mail of the customer of `history` whole: the store's
/// owner and desk managers (supervisors, administrators) always; anyone else only while serving
/// the customer ([`serves`]).
pub fn sees_personal_fields(reader: Reader<'_>, history: &CustomerHistory, now_ms: i64) -> bool {
    match reader {
        Reader::Owner => true,
        Reader::User { role, .. } if role.allows(servq_core::Permission::ManageDesk) => true,
        Reader::User {
            agent_id: Some(agent),
            ..
        } => serves(history, agent, now_ms),
        Reader::User { agent_id: None, .. } => false,
    }
}

/// A profile as a form or `PUT /api/v1/customers/{id}` sends it (every field optional; the
/// checks are the import's).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CustomerRequest {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// zh-CN, zh-TW, en or ''.
    #[serde(default)]
    pub language: String,
    /// Segment.
    #[serde(default)]
    pub segment: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Customer since, YYYY-MM-DD or ''.
    #[serde(default)]
    pub since: String,
    /// Left on, YYYY-MM-DD or ''.
    #[serde(default)]
    pub closed_at: String,
    /// The centre's own fields; absent: those stored are kept.
    #[serde(default)]
    pub attributes: Option<std::collections::BTreeMap<String, String>>,
}

/// The language to write to customer `customer_id` in (mail, canned replies): their
/// profile's, else the centre's default (zh-CN). A customer first known by e-mail has the
/// language of that message on their profile.
pub async fn locale_of(store: &Store, customer_id: &str) -> Result<crate::i18n::Locale> {
    Ok(store
        .customer(customer_id)
        .await?
        .and_then(|customer| crate::i18n::Locale::parse(&customer.record.language))
        .unwrap_or_default())
}

/// Saves customer `customer_id`'s profile, refused with every problem at its field (the same
/// checks as a file's row); audited.
pub async fn save(
    store: &Store,
    customer_id: &str,
    request: CustomerRequest,
    actor: &servq_store::Actor,
) -> Result<(), crate::SettingError> {
    let tags = request.tags.join(";");
    let fields = [
        ("customer_id", customer_id),
        ("name", request.name.as_str()),
        ("phone", request.phone.as_str()),
        ("email", request.email.as_str()),
        ("language", request.language.as_str()),
        ("segment", request.segment.as_str()),
        ("tags", tags.as_str()),
        ("since", request.since.as_str()),
        ("closed_at", request.closed_at.as_str()),
    ];
    let attributes = match request.attributes {
        Some(attributes) => attributes,
        None => store
            .customer(customer_id.trim())
            .await?
            .map(|stored| stored.record.attributes)
            .unwrap_or_default(),
    };
    let extras: Vec<(&str, &str)> = attributes
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let record = servq_core::CustomerRecord::parse(
        |name| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
        &extras,
    )
    .map_err(|errors| {
        crate::SettingError::Refused(
            errors
                .into_iter()
                .map(|e| {
                    servq_core::SettingProblem::new(
                        if e.column == "customer_id" {
                            "id"
                        } else {
                            e.column
                        },
                        servq_core::SettingReason::Other(e.reason),
                    )
                })
                .collect(),
        )
    })?;
    store.save_customer(&record, actor, crate::now_ms()).await?;
    // a segment rule may give or take a tag
    history_changed(store, &record.customer_id, crate::now_ms()).await;
    Ok(())
}

/// A customer whose risk is rising ([`at_risk`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AtRisk {
    /// The id.
    pub customer_id: String,
    /// Name from the profile ('' without one).
    pub name: String,
    /// Segment from the profile.
    pub segment: String,
    /// The signs of the last period.
    pub now: servq_core::RiskCounts,
    /// The signs of the period before.
    pub before: servq_core::RiskCounts,
    /// Their latest contact, UTC ms.
    pub last_contact_ms: Option<i64>,
}

/// The customers at risk at `now_ms` (`docs/customers.md#at-risk`): those scoring at least
/// [`servq_core::RISK_MIN_SCORE`] over the last [`servq_core::RISK_PERIOD_DAYS`] days and more
/// than over the days before, still customers (no `closed_at`); highest score first, at most
/// `limit`.
pub async fn at_risk(store: &Store, now_ms: i64, limit: usize) -> Result<Vec<AtRisk>> {
    let period = servq_core::RISK_PERIOD_DAYS * 24 * 3600 * 1000;
    let window = store.kpi_settings().await?.fcr_window_ms;
    let events = store.customer_risk_events(now_ms - 2 * period).await?;
    let mut rising: Vec<AtRisk> = events
        .into_iter()
        .filter_map(|(customer_id, events)| {
            let now = servq_core::risk_counts(&events, (now_ms - period, now_ms + 1), window);
            let before =
                servq_core::risk_counts(&events, (now_ms - 2 * period, now_ms - period), window);
            (now.score() >= servq_core::RISK_MIN_SCORE && now.score() > before.score()).then(|| {
                AtRisk {
                    customer_id,
                    name: String::new(),
                    segment: String::new(),
                    now,
                    before,
                    last_contact_ms: events.contacts.iter().map(|(at, _)| *at).max(),
                }
            })
        })
        .collect();
    rising.sort_by(|a, b| {
        b.now
            .score()
            .cmp(&a.now.score())
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    let mut listed = Vec::new();
    for mut customer in rising {
        if listed.len() >= limit {
            break;
        }
        if let Some(profile) = store.customer(&customer.customer_id).await? {
            if profile.record.closed_at.is_some() {
                continue;
            }
            customer.name = profile.record.name;
            customer.segment = profile.record.segment;
        }
        listed.push(customer);
    }
    Ok(listed)
}

/// The at-risk list as `GET /api/v1/customers/at-risk` and `servq customers at-risk --format
/// json` write it, with the weights.
pub fn at_risk_json(list: &[AtRisk], zone: &jiff::tz::TimeZone) -> Value {
    let counts = |c: &servq_core::RiskCounts| {
        json!({"complaints": c.complaints, "unsatisfied": c.unsatisfied, "repeats": c.repeats,
            "score": c.score()})
    };
    json!({
        "weights": {
            "complaints": servq_core::RISK_WEIGHTS.complaints,
            "unsatisfied": servq_core::RISK_WEIGHTS.unsatisfied,
            "repeats": servq_core::RISK_WEIGHTS.repeats,
        },
        "period_days": servq_core::RISK_PERIOD_DAYS,
        "min_score": servq_core::RISK_MIN_SCORE,
        "customers": list.iter().map(|c| json!({
            "customer_id": c.customer_id,
            "name": c.name,
            "segment": c.segment,
            "now": counts(&c.now),
            "before": counts(&c.before),
            "last_contact_at": c.last_contact_ms.map(|ms| crate::rfc3339_in(ms, zone)),
        })).collect::<Vec<_>>(),
    })
}

/// Opens the follow-up of an at-risk customer: a high-priority consult ticket "return visit"
/// for the customer, in the category of their latest complaint (else latest ticket, else the
/// first of the tree), routed as any ticket; its id.
pub async fn schedule_return_visit(
    store: &Store,
    customer_id: &str,
    actor: &servq_store::Actor,
    locale: crate::i18n::Locale,
) -> Result<String, crate::desk::OpenRefused> {
    let customer_id = customer_id.trim();
    let history = store
        .customer_history(customer_id, Some(50))
        .await
        .map_err(anyhow::Error::from)?;
    let category = match history
        .tickets
        .iter()
        .find(|t| t.ticket_type == servq_desk::COMPLAINT)
        .or(history.tickets.first())
    {
        Some(ticket) => store
            .ticket(&ticket.ticket_id)
            .await
            .map_err(anyhow::Error::from)?
            .map(|t| t.category)
            .unwrap_or_default(),
        None => crate::desk::categories(store)
            .await?
            .first()
            .map(|c| c.id.clone())
            .unwrap_or_default(),
    };
    let request = crate::desk::TicketRequest {
        ticket_type: crate::desk::TicketRequest::DEFAULT_TYPE.to_owned(),
        category,
        priority: "high".to_owned(),
        subject: crate::i18n::t(locale, "customer.return_visit_subject")
            .replace("{id}", customer_id),
        description: crate::i18n::t(locale, "customer.return_visit_description"),
        customer_id: customer_id.to_owned(),
        segment: String::new(),
        channel: "phone".to_owned(),
        contact_id: None,
        team: String::new(),
    };
    let (ticket_id, _) =
        crate::desk::open_ticket(store, &request, actor, jiff::Timestamp::now()).await?;
    Ok(ticket_id)
}
