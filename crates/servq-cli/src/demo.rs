//! `servq demo`: a realistic generated data set. Contacts arrive with a time-of-day and weekday
//! profile, wait in one of three queues for the first free agent on shift, abandon when their
//! patience runs out (and often call back), and call again on the same issue when it was not
//! resolved, so waits, abandons, service level, FCR and occupancy come out of the simulation
//! rather than being drawn independently. Days differ as real days do — understaffed days, outage
//! days whose problems cannot be solved on the first call, a holiday peak — and customers'
//! satisfaction depends on their issue being resolved first time and on their wait, so that the
//! daily data tell the study's story (docs/stats.md#the-demo): first-contact resolution drives
//! satisfaction. The same generator writes CSV files for benchmarks and reference checks.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{Context, Result};
use jiff::{Span, Timestamp, civil::Date, tz::Offset};
use rand::{Rng, SeedableRng, rngs::StdRng};
use servq_core::{AgentStateInterval, AgentStateRecord, Contact, ContactRecord};
use servq_store::AgentRecord;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Number of days to generate, ending yesterday (or at --end).
    #[arg(long, default_value_t = 28)]
    days: u32,
    /// Number of agents, split over the three queues and four teams.
    #[arg(long, default_value_t = 40)]
    agents: u32,
    /// Average contacts offered per weekday (weekends get 70%).
    #[arg(long, default_value_t = 3000)]
    daily_contacts: u32,
    /// Last day to generate (YYYY-MM-DD); default: yesterday in the centre's zone.
    #[arg(long)]
    end: Option<String>,
    /// Random seed; the same seed gives the same data.
    #[arg(long, default_value_t = 20_261_102)]
    seed: u64,
    /// Write contacts.csv, agent_states.csv and agents.csv into this folder instead of the database.
    #[arg(long)]
    csv_out: Option<PathBuf>,
}

struct QueueSpec {
    name: &'static str,
    share: f64,
    categories: &'static [&'static str],
}

const QUEUES: &[QueueSpec] = &[
    QueueSpec {
        name: "card",
        share: 0.5,
        categories: &["账单查询", "挂失补卡", "额度调整", "激活开卡", "咨询-其他"],
    },
    QueueSpec {
        name: "loan",
        share: 0.3,
        categories: &["还款", "贷款申请", "利率咨询", "咨询-其他"],
    },
    QueueSpec {
        name: "general",
        share: 0.2,
        categories: &["积分兑换", "投诉", "网点查询", "咨询-其他"],
    },
];
const TEAMS: &[&str] = &["一组", "二组", "三组", "四组"];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱",
];
const GIVEN: &[&str] = &[
    "芳", "伟", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "婷", "涛", "明", "霞", "强",
];
/// Relative arrivals per hour of the day, 08:00–21:00 (business hours of the demo centre).
const HOURLY_PROFILE: [f64; 14] = [
    0.6, 1.0, 1.3, 1.2, 0.8, 0.9, 1.2, 1.1, 1.0, 0.8, 0.7, 0.6, 0.5, 0.3,
];

/// One generated contact, kept as the text a source system would export, with what the
/// simulation knows about it beyond the export.
struct Generated {
    fields: [String; servq_import::CONTACT_COLUMNS.len()],
    /// Answered and its issue resolved then (no call back on it).
    resolved_first_time: bool,
    /// Index of the simulated day.
    day: usize,
    /// A second try after giving up waiting: the customer did not get through the first time.
    after_giving_up: bool,
}

/// How a simulated day differs from an ordinary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    Ordinary,
    /// Three agents in ten off sick: long waits, abandons.
    Understaffed,
    /// A system outage: 20 % more calls and most issues cannot be solved on the first call, so
    /// customers call again in the following days.
    Outage,
    /// Half as many calls again (a holiday's eve), the usual staff.
    HolidayPeak,
}

impl DayKind {
    /// The kind of day `index` of a run: a fixed four-week pattern (four understaffed days, three
    /// outages, a two-day holiday peak), so every 28-day window holds the same story.
    fn of(index: usize) -> DayKind {
        match index % 28 {
            2 | 9 | 12 | 22 => DayKind::Understaffed,
            5 | 19 | 25 => DayKind::Outage,
            15 | 16 => DayKind::HolidayPeak,
            _ => DayKind::Ordinary,
        }
    }

    fn volume(self) -> f64 {
        match self {
            DayKind::Outage => 1.2,
            DayKind::HolidayPeak => 1.5,
            _ => 1.0,
        }
    }

    /// Chance that an answered contact's issue is not resolved on that call: an outage's
    /// problems cannot be; on other days it varies with what the day brings (a new product, a
    /// policy change), `draw` being uniform in [0, 1).
    fn unresolved(self, draw: f64) -> f64 {
        match self {
            DayKind::Outage => 0.45,
            _ => 0.06 + 0.1 * draw,
        }
    }
}

/// The share of a day's offered contacts that are first calls (the rest call back).
const FIRST_CALL_SHARE: f64 = 0.85;

/// Who calls again: the customer, the category, and whether after giving up waiting.
type Caller = (String, &'static str, bool);

/// A customer calling again: when (local ms), to which queue, who, about what.
struct CallBack {
    at: i64,
    queue: usize,
    customer: String,
    category: &'static str,
    /// Calls again after giving up waiting (not after an unresolved issue).
    after_giving_up: bool,
}

/// One agent's simulated day.
struct AgentDay {
    id: String,
    queue: usize,
    shift_start: i64,
    shift_end: i64,
    free_at: i64,
    states: Vec<(i64, i64, &'static str)>,
}

fn exponential(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

fn log_normal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    // Box–Muller: one standard normal from two uniforms.
    let (u1, u2) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    median * (sigma * z).exp()
}

/// Naive local text for a "local milliseconds" instant (the simulation runs on the local clock).
fn local_text(local_ms: i64) -> String {
    let timestamp = Timestamp::from_millisecond(local_ms).expect("demo dates are in range");
    Offset::UTC.to_datetime(timestamp).to_string()
}

fn seconds_text(ms: i64) -> String {
    format!("{}", ms / 1000)
}

struct Generator {
    rng: StdRng,
    agents: Vec<AgentRecord>,
    agent_queue: Vec<usize>,
    next_contact: u64,
    /// Customers who will call again, in no order.
    call_backs: Vec<CallBack>,
    daily_contacts: u32,
    /// Days simulated so far.
    day_index: usize,
}

impl Generator {
    fn new(args: &DemoArgs) -> Generator {
        let mut rng = StdRng::seed_from_u64(args.seed);
        let n = args.agents.max(3) as usize;
        let mut agents = Vec::with_capacity(n);
        let mut agent_queue = Vec::with_capacity(n);
        let mut cumulative = 0.0;
        let mut boundaries = Vec::new();
        for queue in QUEUES {
            cumulative += queue.share;
            boundaries.push((cumulative * n as f64).round() as usize);
        }
        for index in 0..n {
            let queue = boundaries
                .iter()
                .position(|&end| index < end)
                .unwrap_or(QUEUES.len() - 1);
            let name = format!(
                "{}{}",
                SURNAMES[rng.random_range(0..SURNAMES.len())],
                GIVEN[rng.random_range(0..GIVEN.len())]
            );
            agents.push(AgentRecord {
                agent_id: format!("A{:03}", index + 1),
                name,
                team: TEAMS[index % TEAMS.len()].to_owned(),
                // each simulated agent answers one queue, which the roster says
                queues: Some(vec![QUEUES[queue].name.to_owned()]),
            });
            agent_queue.push(queue);
        }
        Generator {
            rng,
            agents,
            agent_queue,
            next_contact: 1,
            call_backs: Vec::new(),
            daily_contacts: args.daily_contacts,
            day_index: 0,
        }
    }

    /// Simulates one local day, returning contacts and states. The simulation runs on the local
    /// clock ("local ms": local midnight as if it were UTC), which is what naive output needs.
    fn day(&mut self, date: Date) -> Result<(Vec<Generated>, Vec<[String; 4]>)> {
        let day_ms = date
            .to_zoned(jiff::tz::TimeZone::UTC)?
            .timestamp()
            .as_millisecond();
        let index = self.day_index;
        self.day_index += 1;
        Ok(self.simulate_day(day_ms, date.weekday().to_monday_one_offset(), index))
    }

    fn simulate_day(
        &mut self,
        day_ms: i64,
        weekday: i8,
        index: usize,
    ) -> (Vec<Generated>, Vec<[String; 4]>) {
        let kind = DayKind::of(index);
        let rng = &mut self.rng;
        let unresolved_today = kind.unresolved(rng.random());
        let weekend = weekday >= 6;
        // first calls; call-backs (after an unresolved issue or giving up) bring the day's
        // offered contacts to about --daily-contacts
        let volume = f64::from(self.daily_contacts)
            * FIRST_CALL_SHARE
            * if weekend { 0.7 } else { 1.0 }
            * kind.volume()
            * (0.9 + 0.2 * rng.random::<f64>());
        let total_weight: f64 = HOURLY_PROFILE.iter().sum();
        let mut arrivals: Vec<(i64, usize, Option<Caller>)> =
            Vec::with_capacity(volume as usize + 16);
        for (hour, weight) in HOURLY_PROFILE.iter().enumerate() {
            let expected = volume * weight / total_weight;
            let count = (expected + rng.random::<f64>()).floor() as usize;
            for _ in 0..count {
                let at = day_ms + (8 + hour as i64) * 3_600_000 + rng.random_range(0..3_600_000);
                let draw: f64 = rng.random();
                let mut cumulative = 0.0;
                let queue = QUEUES
                    .iter()
                    .position(|queue| {
                        cumulative += queue.share;
                        draw < cumulative
                    })
                    .unwrap_or(QUEUES.len() - 1);
                arrivals.push((at, queue, None));
            }
        }
        // customers calling again today; those due overnight call when the centre opens
        let (opens, closes) = (day_ms + 8 * 3_600_000, day_ms + 22 * 3_600_000);
        let mut later = Vec::with_capacity(self.call_backs.len());
        for call in std::mem::take(&mut self.call_backs) {
            if call.at >= closes {
                later.push(call);
            } else {
                let at = if call.at < opens {
                    opens + rng.random_range(0..7_200_000)
                } else {
                    call.at
                };
                arrivals.push((
                    at,
                    call.queue,
                    Some((call.customer, call.category, call.after_giving_up)),
                ));
            }
        }
        self.call_backs = later;
        arrivals.sort_unstable();

        let mut days: Vec<AgentDay> = self
            .agents
            .iter()
            .enumerate()
            .filter(|(index, _)| !(weekend && index % 3 == 0))
            .filter(|(index, _)| !(kind == DayKind::Understaffed && index % 10 < 3))
            .map(|(index, agent)| {
                let (start_hour, end_hour) = if index % 2 == 0 {
                    (8.0, 16.5)
                } else {
                    (13.5, 22.0)
                };
                let shift_start = day_ms + (start_hour * 3_600_000.0) as i64;
                let prep_end = shift_start + 10 * 60_000;
                AgentDay {
                    id: agent.agent_id.clone(),
                    queue: self.agent_queue[index],
                    shift_start,
                    shift_end: day_ms + (end_hour * 3_600_000.0) as i64,
                    free_at: prep_end,
                    states: vec![(shift_start, prep_end, "not_ready")],
                }
            })
            .collect();

        let mut contacts = Vec::with_capacity(arrivals.len());
        for (offered, queue, caller) in arrivals {
            let channel_draw: f64 = rng.random();
            let (channel, patience_mean, talk_median) = if channel_draw < 0.75 {
                ("phone", 75_000.0, 170_000.0)
            } else if channel_draw < 0.95 {
                ("chat", 240_000.0, 330_000.0)
            } else {
                ("email", 3_600_000.0, 150_000.0)
            };
            let (customer, category, after_giving_up) = if let Some(caller) = caller {
                caller
            } else if rng.random::<f64>() < 0.04 {
                (
                    String::new(),
                    QUEUES[queue].categories[rng.random_range(0..QUEUES[queue].categories.len())],
                    false,
                )
            } else {
                let categories = QUEUES[queue].categories;
                (
                    format!("U{:07}", rng.random_range(0..2_000_000)),
                    categories[rng.random_range(0..categories.len())],
                    false,
                )
            };
            let patience = exponential(rng, patience_mean) as i64 + 1_000;
            let candidate = days
                .iter_mut()
                .filter(|day| {
                    day.queue == queue && day.shift_start <= offered && offered < day.shift_end
                })
                .min_by_key(|day| day.free_at);
            let id = format!("C{:010}", self.next_contact);
            self.next_contact += 1;
            let mut fields: [String; servq_import::CONTACT_COLUMNS.len()] = Default::default();
            fields[0] = id;
            fields[1] = channel.to_owned();
            fields[2] = "inbound".to_owned();
            fields[3] = QUEUES[queue].name.to_owned();
            fields[4] = customer.clone();
            fields[6] = local_text(offered);
            fields[13] = category.to_owned();
            let answer_at = candidate.as_ref().map(|day| day.free_at.max(offered));
            let mut resolved_first_time = false;
            match (candidate, answer_at) {
                (Some(agent), Some(answered)) if answered - offered <= patience => {
                    let talk = log_normal(rng, talk_median, 0.6) as i64 / 1000 * 1000 + 5_000;
                    let hold = if rng.random::<f64>() < 0.2 {
                        rng.random_range(10..90) * 1000
                    } else {
                        0
                    };
                    let wrap = rng.random_range(15..60) * 1000;
                    let ended = answered + talk + hold;
                    if answered > agent.free_at {
                        agent.states.push((agent.free_at, answered, "available"));
                    }
                    agent.states.push((answered, answered + talk, "talk"));
                    if hold > 0 {
                        agent.states.push((answered + talk, ended, "hold"));
                    }
                    agent.states.push((ended, ended + wrap, "wrap"));
                    agent.free_at = ended + wrap;
                    fields[5] = agent.id.clone();
                    fields[7] = local_text(answered);
                    fields[8] = local_text(ended);
                    fields[9] = seconds_text(talk);
                    fields[10] = seconds_text(hold);
                    fields[11] = seconds_text(wrap);
                    fields[12] = if rng.random::<f64>() < 0.06 { "1" } else { "0" }.to_owned();
                    let unresolved = rng.random::<f64>() < unresolved_today;
                    resolved_first_time = !unresolved;
                    // the agent's own mark mostly agrees with what happened; some leave it blank
                    fields[14] = match (unresolved, rng.random::<f64>() < 0.1) {
                        (_, true) => "",
                        (true, false) => "false",
                        (false, false) => "true",
                    }
                    .to_owned();
                    if unresolved && !customer.is_empty() {
                        // calls again about it, most within a day, all within the FCR week
                        let delay = (exponential(rng, 18.0 * 3_600_000.0) as i64)
                            .clamp(600_000, 5 * 86_400_000);
                        self.call_backs.push(CallBack {
                            at: ended + delay,
                            queue,
                            customer,
                            category,
                            after_giving_up: false,
                        });
                    }
                }
                _ => {
                    let gave_up = offered + patience.min(3_600_000);
                    fields[8] = local_text(gave_up);
                    fields[12] = "0".to_owned();
                    // some of those who gave up try again within two hours
                    if !customer.is_empty() && rng.random::<f64>() < 0.3 {
                        self.call_backs.push(CallBack {
                            at: gave_up + rng.random_range(300_000..7_200_000),
                            queue,
                            customer,
                            category,
                            after_giving_up: true,
                        });
                    }
                }
            }
            contacts.push(Generated {
                fields,
                resolved_first_time,
                day: index,
                after_giving_up,
            });
        }
        let mut states = Vec::new();
        for mut day in days {
            if day.free_at < day.shift_end {
                day.states.push((day.free_at, day.shift_end, "available"));
            }
            for (start, end, state) in day.states {
                states.push([
                    day.id.clone(),
                    state.to_owned(),
                    local_text(start),
                    local_text(end),
                ]);
            }
        }
        (contacts, states)
    }
}

fn first_day(args: &DemoArgs, config: &Config) -> Result<Date> {
    let end: Date = match &args.end {
        Some(text) => text
            .parse()
            .with_context(|| format!("--end '{text}' is not a date like 2026-11-02"))?,
        None => Timestamp::now()
            .to_zoned(config.zone.clone())
            .date()
            .yesterday()?,
    };
    Ok(end.checked_sub(Span::new().days(i64::from(args.days.max(1)) - 1))?)
}

pub async fn run(config: &Config, args: DemoArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let first = first_day(&args, config)?;
    let mut generator = Generator::new(&args);
    let days = (0..args.days.max(1)).map(|offset| first.checked_add(Span::new().days(offset)));

    if let Some(folder) = &args.csv_out {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let open = |name: &str| -> Result<csv::Writer<std::fs::File>> {
            let path = folder.join(name);
            csv::Writer::from_path(&path).with_context(|| format!("creating {}", path.display()))
        };
        let mut contacts_out = open("contacts.csv")?;
        let mut states_out = open("agent_states.csv")?;
        let mut agents_out = open("agents.csv")?;
        contacts_out.write_record(servq_import::CONTACT_COLUMNS)?;
        states_out.write_record(servq_import::STATE_COLUMNS)?;
        agents_out.write_record(servq_import::AGENT_COLUMNS)?;
        for agent in &generator.agents {
            let queues = agent.queues.clone().unwrap_or_default().join(";");
            agents_out.write_record([&agent.agent_id, &agent.name, &agent.team, &queues])?;
        }
        let mut n_contacts = 0usize;
        for day in days {
            let (contacts, states) = generator.day(day?)?;
            n_contacts += contacts.len();
            for contact in contacts {
                contacts_out.write_record(&contact.fields)?;
            }
            for state in states {
                states_out.write_record(&state)?;
            }
        }
        contacts_out.flush()?;
        states_out.flush()?;
        agents_out.flush()?;
        eprintln!(
            "wrote {n_contacts} contacts for {} days to {} ({:.1} s)",
            args.days,
            folder.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let store = config.open_store().await?;
    store.upsert_agents(&generator.agents).await?;
    let mut contact_import = store.begin_contact_import().await?;
    let mut state_rows = Vec::new();
    let mut rated = Vec::new();
    let mut line = 1u64;
    for day in days {
        let (contacts, states) = generator.day(day?)?;
        for generated in contacts {
            line += 1;
            let f = &generated.fields;
            let record = ContactRecord {
                contact_id: &f[0],
                channel: &f[1],
                direction: &f[2],
                queue: &f[3],
                customer_id: &f[4],
                agent_id: &f[5],
                offered_at: &f[6],
                answered_at: &f[7],
                ended_at: &f[8],
                talk_seconds: &f[9],
                hold_seconds: &f[10],
                wrap_seconds: &f[11],
                transferred: &f[12],
                category: &f[13],
                resolved: &f[14],
                // the demo has no recordings to link to
                recording_url: &f[15],
            };
            let contact = Contact::parse(&record, &config.zone).map_err(|errors| {
                anyhow::anyhow!("generated contact {} is invalid: {errors:?}", f[0])
            })?;
            if !f[4].is_empty() && !f[7].is_empty() {
                rated.push(RatedContact {
                    contact_id: f[0].clone(),
                    agent_id: f[5].clone(),
                    ended: f[8].clone(),
                    resolved: generated.resolved_first_time,
                    day: generated.day,
                    after_giving_up: generated.after_giving_up,
                    // an e-mail's wait is read as a reply time, not felt as a queue
                    felt_wait_ms: if f[1] == "email" {
                        0
                    } else {
                        contact.wait_ms()
                    },
                });
            }
            contact_import.push(line, contact).await?;
        }
        state_rows.extend(states);
    }
    contact_import.duplicates(1).await?;
    let contacts = contact_import.commit("demo").await?;
    let mut state_import = store.begin_state_import().await?;
    for (index, [agent_id, state, start_at, end_at]) in state_rows.iter().enumerate() {
        let record = AgentStateRecord {
            agent_id,
            state,
            start_at,
            end_at,
        };
        let interval = AgentStateInterval::parse(&record, &config.zone)
            .map_err(|errors| anyhow::anyhow!("generated state is invalid: {errors:?}"))?;
        state_import.push(index as u64 + 2, interval).await?;
    }
    let states = state_import.commit("demo").await?;
    let surveys = demo_surveys(&store, config, &generator.agents, &rated, args.seed).await?;
    eprintln!(
        "demo data: {} contacts ({} new), {} agent-state intervals, {} survey responses ({} unsatisfied, reviewed in the last week), {} agents, {} days ending {} ({:.1} s)",
        contacts.rows,
        contacts.inserted,
        states.rows,
        surveys.0,
        surveys.1,
        generator.agents.len(),
        args.days,
        first.checked_add(Span::new().days(i64::from(args.days.max(1)) - 1))?,
        started.elapsed().as_secs_f64()
    );
    let users = demo_users(&store, &generator.agents).await?;
    demo_targets(&store, first).await?;
    store.close().await;
    let last = first.checked_add(Span::new().days(i64::from(args.days.max(1)) - 1))?;
    eprintln!("{}", next_steps(&users, first, last));
    Ok(ExitCode::SUCCESS)
}

/// The centre's targets from the standard's usual figures (service level 80/20, CSAT 85 %, FCR
/// 75 %, AHT 5 min), in effect from the demo's first day, so the dashboard colours its tiles
/// and the nightly alert job has something to judge.
async fn demo_targets(store: &servq_store::Store, first: jiff::civil::Date) -> Result<()> {
    let targets = [
        ("service_level", 0.8, Some(0.75)),
        ("abandon_rate", 0.05, Some(0.08)),
        ("csat", 0.85, Some(0.8)),
        ("fcr_rate", 0.75, Some(0.7)),
        ("aht_seconds", 300.0, Some(330.0)),
    ];
    for (metric, target, warn_at) in targets {
        let request = servq_app::targets::TargetRequest {
            metric: metric.to_owned(),
            scope: "centre".to_owned(),
            target: Some(target),
            warn_at,
            effective_from: first.to_string(),
            ..Default::default()
        };
        servq_app::targets::set(store, &request, &servq_app::cli_actor())
            .await
            .map_err(|error| anyhow::anyhow!("demo target {metric}: {error}"))?;
    }
    Ok(())
}

/// One demo user per role, with a fresh random password each run (a user that exists from an
/// earlier run gets the new password): the people a newcomer signs in as. Demo only.
async fn demo_users(
    store: &servq_store::Store,
    agents: &[AgentRecord],
) -> Result<Vec<(servq_core::Role, String, String)>> {
    use servq_app::users::{self, UserRefused, UserRequest, UserUpdate};
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let actor = servq_app::cli_actor();
    let mut rng = rand::rng();
    let mut created = Vec::new();
    for role in servq_core::Role::ALL {
        let username = format!("demo-{}", role.name().replace('_', "-"));
        let password: String = (0..14)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        let agent_id = (role == servq_core::Role::Agent)
            .then(|| agents.first().map(|agent| agent.agent_id.clone()))
            .flatten();
        let request = UserRequest {
            username: username.clone(),
            password: password.clone(),
            role: role.name().to_owned(),
            agent_id: agent_id.clone(),
        };
        let update = UserUpdate {
            role: Some(role.name().to_owned()),
            password: Some(password.clone()),
            disabled: Some(false),
            agent_id: agent_id.clone(),
            // the supervisor runs the first agent's team
            teams: (role == servq_core::Role::Supervisor)
                .then(|| agents.first().map(|agent| vec![agent.team.clone()]))
                .flatten(),
        };
        match users::create_user(store, &request, &actor).await {
            Ok(_) | Err(UserRefused::UsernameTaken(_)) => {}
            Err(other) => return Err(anyhow::anyhow!("creating {username}: {other}")),
        }
        users::update_user(store, &username, &update, &actor)
            .await
            .map_err(|error| anyhow::anyhow!("setting up {username}: {error}"))?;
        created.push((role, username, password));
    }
    Ok(created)
}

/// What to try after the demo: the web app with the demo users, the driver analysis, the
/// staffing plan.
fn next_steps(users: &[(servq_core::Role, String, String)], first: Date, last: Date) -> String {
    let width = users
        .iter()
        .map(|(_, name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::from(
        "\nnext:\n  1. the web app: servq serve, then open http://127.0.0.1:8080 and sign in as\n",
    );
    for (role, username, password) in users {
        text.push_str(&format!(
            "       {username:width$}  password {password}   ({role})\n"
        ));
    }
    text.push_str(&format!(
        "     (demo users only: these passwords are printed once; change or disable them with servq user)\n\
         \x20 2. what drives satisfaction: servq drivers --from-store --from {first} --to {last} --target csat_mean\n\
         \x20 3. staff tomorrow from the forecast: servq staffing --from-store --date {tomorrow} --target-sl 0.8 --max-occupancy 0.85\n\
         \x20 and the KPIs: servq kpi --by queue   or   servq kpi --by team,week --format json",
        tomorrow = last.tomorrow().unwrap_or(last),
    ));
    text
}

/// An answered contact with a customer, which may get a survey response.
struct RatedContact {
    /// Index of the simulated day.
    day: usize,
    /// The customer gave up waiting before and called again.
    after_giving_up: bool,
    /// The wait the customer felt (phone and chat queues).
    felt_wait_ms: i64,
    contact_id: String,
    agent_id: String,
    ended: String,
    resolved: bool,
}

const COMPLAINTS: &[&str] = &[
    "等待时间太长",
    "问题没有解决",
    "客服态度不好",
    "解释不清楚",
    "转了好几次",
];

/// How much each second of waiting lowers the chance of "satisfied" (capped at 0.3).
const WAIT_COST_PER_SECOND: f64 = 0.002;

/// How much having given up waiting before (a call that did not get through) lowers it.
const GAVE_UP_COST: f64 = 0.3;

/// The day-to-day spread of satisfaction that no KPI explains (a share of "satisfied").
const MOOD_SD: f64 = 0.035;

/// Survey responses for 30 % of the answered contacts with a customer: satisfaction falls with
/// unresolved issues and long waits and varies by agent, so driver analysis on CSAT finds the
/// causes; unsatisfied ones of the last week are reviewed with reasons in the study's proportions.
/// A dispatch rule (SMS, 10 minutes after closing, 30 %, quiet 21:00–08:00) is stored.
async fn demo_surveys(
    store: &servq_store::Store,
    config: &Config,
    agents: &[AgentRecord],
    rated: &[RatedContact],
    seed: u64,
) -> Result<(usize, usize)> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_5eed);
    let skill: std::collections::HashMap<&str, f64> = agents
        .iter()
        .enumerate()
        .map(|(index, agent)| {
            (
                agent.agent_id.as_str(),
                ((index * 37 % 17) as f64 / 16.0 - 0.5) * 0.16,
            )
        })
        .collect();
    // what the day was like beyond the centre's measures (news, weather, a bank-wide issue):
    // what no KPI explains, so the daily model explains part of satisfaction, not all of it
    let days = rated
        .iter()
        .map(|contact| contact.day + 1)
        .max()
        .unwrap_or(0);
    let mood: Vec<f64> = (0..days)
        .map(|_| {
            let (u1, u2) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
            MOOD_SD * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        })
        .collect();
    let mut records = Vec::new();
    let mut last_ended = String::new();
    for (index, contact) in rated.iter().enumerate() {
        if rng.random::<f64>() >= 0.3 {
            continue;
        }
        let mut satisfied =
            0.86 + skill.get(contact.agent_id.as_str()).copied().unwrap_or(0.0) + mood[contact.day];
        // not resolved the first time: the strongest cause of dissatisfaction (the study's
        // finding); a long wait adds to it
        if !contact.resolved {
            satisfied -= 0.45;
        }
        // every second of waiting costs a little; not getting through the first time, more
        satisfied -= (contact.felt_wait_ms as f64 / 1000.0 * WAIT_COST_PER_SECOND).min(0.3);
        if contact.after_giving_up {
            satisfied -= GAVE_UP_COST;
        }
        let draw: f64 = rng.random();
        let csat = if draw < satisfied {
            "5"
        } else if draw < satisfied + (1.0 - satisfied) * 0.6 {
            "3"
        } else {
            "1"
        };
        let (nps, ces, stage) = match csat {
            "5" => (
                rng.random_range(8..=10),
                rng.random_range(5..=7),
                rng.random_range(4..=5),
            ),
            "3" => (
                rng.random_range(5..=8),
                rng.random_range(3..=5),
                rng.random_range(3..=4),
            ),
            _ => (
                rng.random_range(0..=5),
                rng.random_range(1..=3),
                rng.random_range(1..=2),
            ),
        };
        let comment = if csat == "1" {
            COMPLAINTS[rng.random_range(0..COMPLAINTS.len())].to_owned()
        } else {
            String::new()
        };
        let fields: Vec<(&str, String)> = vec![
            ("response_id", format!("D{index:08}")),
            ("contact_id", contact.contact_id.clone()),
            ("responded_at", contact.ended.clone()),
            ("csat", csat.to_owned()),
            ("nps", nps.to_string()),
            ("ces", ces.to_string()),
            ("stage_greeting", rng.random_range(stage..=5).to_string()),
            ("stage_understanding", stage.to_string()),
            (
                "stage_answer",
                (if contact.resolved { stage } else { 1 }).to_string(),
            ),
            ("stage_farewell", stage.to_string()),
            ("comment", comment),
        ];
        let record = servq_core::SurveyRecord::parse(
            |name| {
                fields
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.as_str())
            },
            &config.zone,
        )
        .map_err(|errors| anyhow::anyhow!("generated survey response is invalid: {errors:?}"))?;
        last_ended.clone_from(&contact.ended);
        records.push((index as u64 + 2, record));
    }
    let now = Timestamp::now().as_millisecond();
    store
        .import_survey_responses(&records, "demo", now, true)
        .await?
        .map_err(|errors| anyhow::anyhow!("demo survey responses refused: {errors:?}"))?;
    // review the last week's unsatisfied responses like the study's inspectors did
    let week_start = records
        .last()
        .map_or(now, |(_, record)| record.responded_ms - 7 * 86_400_000);
    let tasks = store.review_tasks_between(week_start, i64::MAX).await?;
    const AGENT: &[(&str, f64)] = &[
        ("flat_tone", 0.3),
        ("casual_wording", 0.22),
        ("interrupting", 0.17),
        ("impatient", 0.12),
        ("inflexible", 0.08),
        ("unfamiliar_business", 0.07),
        ("agent_other", 0.04),
    ];
    const OTHER: &[(&str, f64)] = &[
        ("process_system", 0.35),
        ("credit_limit", 0.15),
        ("frozen_card", 0.1),
        ("card_mailing", 0.08),
        ("bills_sms", 0.07),
        ("policy", 0.12),
        ("customer_situation", 0.1),
        ("other", 0.03),
    ];
    let pick = |rng: &mut StdRng, list: &[(&'static str, f64)]| {
        let mut draw: f64 = rng.random();
        for (reason, weight) in list {
            if draw < *weight {
                return *reason;
            }
            draw -= weight;
        }
        list[0].0
    };
    let inspector = servq_store::Actor {
        user_id: None,
        name: "demo".to_owned(),
    };
    for task in &tasks {
        let mut reasons = Vec::new();
        let agent_caused = rng.random::<f64>() < 0.57;
        if agent_caused {
            reasons.push(pick(&mut rng, AGENT).to_owned());
            if rng.random::<f64>() < 0.44 {
                reasons.push(pick(&mut rng, AGENT).to_owned());
            }
        }
        if !agent_caused || rng.random::<f64>() < 0.56 {
            reasons.push(pick(&mut rng, OTHER).to_owned());
        }
        store
            .code_review_task(
                &task.response.response_id,
                &reasons,
                "",
                None,
                &inspector,
                now,
            )
            .await?
            .map_err(|refused| anyhow::anyhow!("demo review refused: {refused:?}"))?;
    }
    let rule = servq_core::DispatchRule {
        rule_id: "after-contact".to_owned(),
        template_id: "standard".to_owned(),
        channels: Vec::new(),
        categories: Vec::new(),
        delay_minutes: 10,
        sample_percent: 30,
        quiet_hours: Some((21 * 60, 8 * 60)),
        no_repeat_days: 30,
        expiry_hours: 72,
        send_via: servq_core::SendVia::Sms,
        locale: "zh-CN".to_owned(),
        active: true,
    };
    if store.survey_rules().await?.is_empty() {
        servq_app::surveys::template(store, "standard", None).await?;
        store.set_survey_rules(&[rule], &inspector, now).await?;
    }
    let unsatisfied = records
        .iter()
        .filter(|(_, record)| record.answers.is_unsatisfied())
        .count();
    Ok((records.len(), unsatisfied))
}
