//! The front-desk ledgers' rules (docs/ledgers.md): lending with a refundable deposit, lost and
//! found, the emergency medicine log, membership card requests and paid services. Each entry
//! splits into facts (kept for the counts) and personal data (names, phones, the last ID digits,
//! signatures, free text about the person) that retention removes; money is integer fen.

use std::{collections::BTreeSet, fmt};

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

/// A problem with its own catalogue sentence (`field.ledger_{code}`).
fn coded(
    field: &str,
    code: &'static str,
    values: Vec<(&'static str, String)>,
    english: impl Into<String>,
) -> SettingProblem {
    SettingProblem::new(
        field,
        SettingReason::Coded {
            code,
            values,
            english: english.into(),
        },
    )
}

/// The days a closed entry keeps its personal data unless the centre sets another period.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// The most a single amount may be, in fen (one million yuan): anything above is a misread cell.
pub const MAX_FEN: i64 = 100_000_000;

/// A ledger kept at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// Umbrellas, strollers, wheelchairs lent against a deposit.
    Lending,
    /// Found items, their claims and hand-overs.
    LostFound,
    /// Emergency medicine given to staff or customers.
    Medicine,
    /// Membership / points card requests.
    Membership,
    /// Gift wrapping, fax, copying and the like, paid at the desk.
    PaidServices,
    /// Customers' reports of things they lost, matched against the found items.
    LostReports,
}

impl LedgerKind {
    /// Every ledger, in the order pages and reports list them.
    pub const ALL: [LedgerKind; 6] = [
        LedgerKind::Lending,
        LedgerKind::LostFound,
        LedgerKind::Medicine,
        LedgerKind::Membership,
        LedgerKind::PaidServices,
        LedgerKind::LostReports,
    ];

    /// The stored name, used by the API, the CLI and files.
    pub fn name(self) -> &'static str {
        match self {
            LedgerKind::Lending => "lending",
            LedgerKind::LostFound => "lost_found",
            LedgerKind::Medicine => "medicine",
            LedgerKind::Membership => "membership",
            LedgerKind::PaidServices => "paid_services",
            LedgerKind::LostReports => "lost_reports",
        }
    }

    /// The ledger called `name` (`lost-found` reads as `lost_found`).
    pub fn parse(name: &str) -> Option<LedgerKind> {
        let name = name.trim().replace('-', "_");
        LedgerKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The names an entry's type may have (`by_type` in the summary): the item type, the found
    /// item's category, the medicine's use, the card request, the service.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            LedgerKind::Lending => ItemType::NAMES,
            LedgerKind::LostFound => FOUND_CATEGORIES,
            LedgerKind::Medicine => MedicineUse::NAMES,
            LedgerKind::Membership => CardRequest::NAMES,
            LedgerKind::PaidServices => PaidService::NAMES,
            LedgerKind::LostReports => FOUND_CATEGORIES,
        }
    }

    /// The statuses an entry of this ledger may have.
    pub fn statuses(self) -> &'static [EntryStatus] {
        use EntryStatus::*;
        match self {
            LedgerKind::Lending => &[Lent, Returned, Damaged, Lost],
            LedgerKind::LostFound => &[Stored, Claimed, Disposed],
            LedgerKind::Medicine => &[Used],
            LedgerKind::Membership => &[Requested, Ready, Done],
            LedgerKind::PaidServices => &[Served],
            LedgerKind::LostReports => &[Reported, Recovered, Withdrawn],
        }
    }
}

impl fmt::Display for LedgerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an entry stands. Open statuses (`lent`, `stored`, `requested`, `ready`) are never purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// The item is out.
    Lent,
    /// Back in good order.
    Returned,
    /// Back damaged.
    Damaged,
    /// Reported lost by the borrower.
    Lost,
    /// A found item kept at the desk.
    Stored,
    /// Handed to its owner.
    Claimed,
    /// Handed over (police) or disposed of after the notice period.
    Disposed,
    /// Medicine given.
    Used,
    /// A card request received.
    Requested,
    /// The card is ready for hand-over.
    Ready,
    /// Handed over / done.
    Done,
    /// A paid service rendered.
    Served,
    /// A lost report still looking for its item.
    Reported,
    /// The reporter got the item back.
    Recovered,
    /// The reporter withdrew the report (found elsewhere, gave up).
    Withdrawn,
}

impl EntryStatus {
    /// Every status.
    pub const ALL: [EntryStatus; 15] = [
        EntryStatus::Lent,
        EntryStatus::Returned,
        EntryStatus::Damaged,
        EntryStatus::Lost,
        EntryStatus::Stored,
        EntryStatus::Claimed,
        EntryStatus::Disposed,
        EntryStatus::Used,
        EntryStatus::Requested,
        EntryStatus::Ready,
        EntryStatus::Done,
        EntryStatus::Served,
        EntryStatus::Reported,
        EntryStatus::Recovered,
        EntryStatus::Withdrawn,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            EntryStatus::Lent => "lent",
            EntryStatus::Returned => "returned",
            EntryStatus::Damaged => "damaged",
            EntryStatus::Lost => "lost",
            EntryStatus::Stored => "stored",
            EntryStatus::Claimed => "claimed",
            EntryStatus::Disposed => "disposed",
            EntryStatus::Used => "used",
            EntryStatus::Requested => "requested",
            EntryStatus::Ready => "ready",
            EntryStatus::Done => "done",
            EntryStatus::Served => "served",
            EntryStatus::Reported => "reported",
            EntryStatus::Recovered => "recovered",
            EntryStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status called `name`.
    pub fn parse(name: &str) -> Option<EntryStatus> {
        EntryStatus::ALL
            .into_iter()
            .find(|s| s.name() == name.trim())
    }

    /// Whether the entry is still open (never purged).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            EntryStatus::Lent
                | EntryStatus::Stored
                | EntryStatus::Requested
                | EntryStatus::Ready
                | EntryStatus::Reported
        )
    }
}

impl fmt::Display for EntryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Declares a small text enum with its stored names.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every stored name, in order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value called `name` (case and surrounding spaces ignored).
            pub fn parse(name: &str) -> Option<$name> {
                let name = name.trim().to_lowercase().replace('-', "_");
                $name::ALL.iter().copied().find(|v| v.name() == name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum!(
    /// What is lent.
    ItemType {
        /// An umbrella.
        Umbrella = "umbrella",
        /// A stroller.
        Stroller = "stroller",
        /// A wheelchair.
        Wheelchair = "wheelchair",
        /// Anything else (a charger, a phone power bank …).
        Other = "other",
    }
);

named_enum!(
    /// How a lent item came back.
    ReturnCondition {
        /// In good order.
        Ok = "ok",
        /// Damaged: part or all of the deposit may be withheld.
        Damaged = "damaged",
        /// Not coming back: reported lost.
        Lost = "lost",
    }
);

named_enum!(
    /// How a deposit was paid (and is paid back).
    DepositMethod {
        /// Cash.
        Cash = "cash",
        /// WeChat Pay.
        Wechat = "wechat",
        /// Alipay.
        Alipay = "alipay",
        /// A bank card.
        Card = "card",
        /// No deposit taken (a member's card held, a wheelchair).
        None = "none",
    }
);

named_enum!(
    /// Whom emergency medicine was given to; the rulebook keeps the two apart.
    MedicineUse {
        /// A member of staff.
        Internal = "internal",
        /// A customer.
        External = "external",
    }
);

named_enum!(
    /// A membership / points card request.
    CardRequest {
        /// A new card.
        New = "new",
        /// A card reported lost (blocked).
        Lost = "lost",
        /// A replacement card.
        Reissue = "reissue",
    }
);

named_enum!(
    /// A service paid at the desk.
    PaidService {
        /// Gift wrapping.
        GiftWrap = "gift_wrap",
        /// Sending a fax.
        Fax = "fax",
        /// Copying / printing.
        Copy = "copy",
        /// Anything else.
        Other = "other",
    }
);

/// The categories of found items.
pub const FOUND_CATEGORIES: &[&str] = &[
    "wallet",
    "phone",
    "keys",
    "bag",
    "card",
    "clothing",
    "jewellery",
    "electronics",
    "documents",
    "toy",
    "umbrella",
    "other",
];

/// An amount of money in fen (1/100 yuan).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Reads an amount written in yuan: `50`, `50.5`, `50.00`, `¥50`, `￥1,250.00`, `50元`.
    /// Negative amounts, more than two decimals and amounts above [`MAX_FEN`] are refused.
    pub fn parse_yuan(text: &str) -> Result<Fen, String> {
        let trimmed = text.trim();
        let cleaned: String = trimmed
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .trim()
            .chars()
            .filter(|c| *c != ',')
            .collect();
        let bad = || format!("'{trimmed}' is not an amount in yuan with at most two decimals");
        if cleaned.is_empty() {
            return Err("an amount in yuan is needed".to_owned());
        }
        if cleaned.starts_with('-') {
            return Err(format!("'{trimmed}' is negative"));
        }
        let (whole, decimals) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !decimals.bytes().all(|b| b.is_ascii_digit())
            || decimals.len() > 2
        {
            return Err(bad());
        }
        if whole.len() > 9 {
            return Err(format!(
                "'{trimmed}' is more than {} yuan",
                Fen(MAX_FEN).yuan()
            ));
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let cents: i64 = format!("{decimals:0<2}").parse().map_err(|_| bad())?;
        let fen = whole * 100 + cents;
        if fen > MAX_FEN {
            return Err(format!(
                "'{trimmed}' is more than {} yuan",
                Fen(MAX_FEN).yuan()
            ));
        }
        Ok(Fen(fen))
    }

    /// The amount in yuan with two decimals (`50.00`, `-3.50`).
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan())
    }
}

/// A movement in the deposit ledger (append-only: a correction is a new movement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositMovement {
    /// Received from the borrower.
    Taken,
    /// Paid back.
    Refunded,
    /// Kept for damage or loss.
    Withheld,
}

impl DepositMovement {
    /// Every movement.
    pub const ALL: [DepositMovement; 3] = [
        DepositMovement::Taken,
        DepositMovement::Refunded,
        DepositMovement::Withheld,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            DepositMovement::Taken => "taken",
            DepositMovement::Refunded => "refunded",
            DepositMovement::Withheld => "withheld",
        }
    }

    /// The movement called `name`.
    pub fn parse(name: &str) -> Option<DepositMovement> {
        DepositMovement::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Deposit sums: what was taken, refunded and withheld.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositTotals {
    /// Received.
    pub taken: Fen,
    /// Paid back.
    pub refunded: Fen,
    /// Kept.
    pub withheld: Fen,
}

impl DepositTotals {
    /// What the desk still holds.
    pub fn held(self) -> Fen {
        Fen(self.taken.0 - self.refunded.0 - self.withheld.0)
    }

    /// Adds one movement.
    pub fn add(&mut self, movement: DepositMovement, amount: Fen) {
        let slot = match movement {
            DepositMovement::Taken => &mut self.taken,
            DepositMovement::Refunded => &mut self.refunded,
            DepositMovement::Withheld => &mut self.withheld,
        };
        slot.0 += amount.0;
    }

    /// Adds another loan's totals.
    pub fn merge(&mut self, other: DepositTotals) {
        self.taken.0 += other.taken.0;
        self.refunded.0 += other.refunded.0;
        self.withheld.0 += other.withheld.0;
    }

    /// The movements that take `self` (what the ledger holds for a loan) to `wanted`: one per
    /// movement that differs, with the difference (negative for a correction downwards).
    pub fn movements_to(self, wanted: DepositTotals) -> Vec<(DepositMovement, Fen)> {
        [
            (DepositMovement::Taken, wanted.taken.0 - self.taken.0),
            (
                DepositMovement::Refunded,
                wanted.refunded.0 - self.refunded.0,
            ),
            (
                DepositMovement::Withheld,
                wanted.withheld.0 - self.withheld.0,
            ),
        ]
        .into_iter()
        .filter(|(_, difference)| *difference != 0)
        .map(|(movement, difference)| (movement, Fen(difference)))
        .collect()
    }
}

/// The facts of a loan (kept after retention).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanFacts {
    /// What was lent.
    pub item_type: ItemType,
    /// The item's code (label on the umbrella / stroller).
    pub item_code: String,
    /// When it went out (epoch ms).
    pub lent_at: i64,
    /// The deposit taken.
    pub deposit: Fen,
    /// How the deposit was paid.
    pub deposit_method: DepositMethod,
    /// When it should be back.
    pub expected_return_at: Option<i64>,
    /// When it came back (or was reported lost).
    pub returned_at: Option<i64>,
    /// How it came back.
    pub return_condition: Option<ReturnCondition>,
    /// Deposit paid back on return.
    pub refunded: Option<Fen>,
    /// Why part of the deposit was kept.
    #[serde(default)]
    pub withheld_reason: String,
    /// The member of staff who lent it.
    #[serde(default)]
    pub staff: String,
    /// When the desk reminded the borrower of an overdue item (epoch ms), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reminded_at: Vec<i64>,
}

/// A borrower's personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanPersonal {
    /// Name.
    pub customer_name: String,
    /// Phone.
    pub phone: String,
    /// The kind of ID shown (resident ID card, passport …).
    #[serde(default)]
    pub id_type: String,
    /// Its last four characters — never the whole number.
    #[serde(default)]
    pub id_last4: String,
}

impl LoanFacts {
    /// Where the loan stands.
    pub fn status(&self) -> EntryStatus {
        match (self.returned_at, self.return_condition) {
            (None, _) => EntryStatus::Lent,
            (Some(_), Some(ReturnCondition::Damaged)) => EntryStatus::Damaged,
            (Some(_), Some(ReturnCondition::Lost)) => EntryStatus::Lost,
            (Some(_), _) => EntryStatus::Returned,
        }
    }

    /// What the deposit ledger must hold for this loan: the deposit taken, and once returned
    /// the refund and the rest withheld.
    pub fn deposit_totals(&self) -> DepositTotals {
        let mut totals = DepositTotals {
            taken: self.deposit,
            ..DepositTotals::default()
        };
        if self.returned_at.is_some() {
            let refunded = self.refunded.unwrap_or(match self.return_condition {
                Some(ReturnCondition::Lost) => Fen(0),
                _ => self.deposit,
            });
            totals.refunded = refunded;
            totals.withheld = Fen(self.deposit.0 - refunded.0);
        }
        totals
    }

    /// Whether the loan is overdue at `now_ms`.
    pub fn overdue(&self, now_ms: i64) -> bool {
        self.returned_at.is_none() && self.expected_return_at.is_some_and(|due| due < now_ms)
    }

    /// Every problem of the loan.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.item_code.trim().is_empty() || self.item_code.chars().count() > 40 {
            problems.push(coded(
                "item_code",
                "ledger_text_length",
                vec![("max", "40".to_owned())],
                "must have 1 to 40 characters",
            ));
        }

        if self.deposit_method == DepositMethod::None && self.deposit.0 > 0 {
            problems.push(coded(
                "deposit_method",
                "ledger_deposit_method",
                Vec::new(),
                "a deposit was taken: say how it was paid",
            ));
        }
        if let Some(due) = self.expected_return_at
            && due < self.lent_at
        {
            problems.push(coded(
                "expected_return_at",
                "ledger_before_lent",
                Vec::new(),
                "is before the item was lent",
            ));
        }
        match self.returned_at {
            Some(back) if back < self.lent_at => {
                problems.push(coded(
                    "returned_at",
                    "ledger_before_lent",
                    Vec::new(),
                    "is before the item was lent",
                ));
            }
            None if self.return_condition.is_some() || self.refunded.is_some() => {
                problems.push(coded(
                    "returned_at",
                    "ledger_needs_return_time",
                    Vec::new(),
                    "a return condition or refund needs the time the item came back",
                ));
            }
            _ => {}
        }
        if let Some(refunded) = self.refunded
            && (refunded.0 < 0 || refunded.0 > self.deposit.0)
        {
            problems.push(coded(
                "deposit_refunded_yuan",
                "ledger_refund_range",
                vec![("max", self.deposit.yuan())],
                format!(
                    "must be between 0.00 and the deposit ({})",
                    self.deposit.yuan()
                ),
            ));
        }
        problems
    }
}

/// The facts of a found item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundFacts {
    /// One of [`FOUND_CATEGORIES`].
    pub category: String,
    /// Colour.
    #[serde(default)]
    pub colour: String,
    /// Brand.
    #[serde(default)]
    pub brand: String,
    /// What it looks like (what may be shown to the public).
    pub description: String,
    /// Distinguishing features the desk keeps to itself; a claimant must name one of them.
    #[serde(default)]
    pub hidden_features: Vec<String>,
    /// Where it was found.
    pub found_place: String,
    /// When (epoch ms).
    pub found_at: i64,
    /// Where it is kept.
    #[serde(default)]
    pub storage_location: String,
    /// When it was handed to its owner.
    pub claimed_at: Option<i64>,
    /// When it was handed over or disposed of.
    pub disposed_at: Option<i64>,
    /// How (handed to the police, …).
    #[serde(default)]
    pub disposal: String,
    /// Member of staff who registered it.
    #[serde(default)]
    pub staff: String,
}

/// The people around a found item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPersonal {
    /// Who found it (name / phone, or a staff member).
    #[serde(default)]
    pub finder: String,
    /// Who claimed it.
    #[serde(default)]
    pub claimant_name: String,
    /// Their phone.
    #[serde(default)]
    pub claimant_phone: String,
    /// The ID they showed.
    #[serde(default)]
    pub claimant_id_type: String,
    /// Its last four characters.
    #[serde(default)]
    pub claimant_id_last4: String,
    /// What they described.
    #[serde(default)]
    pub claimant_description: String,
}

impl FoundFacts {
    /// Where the item stands.
    pub fn status(&self) -> EntryStatus {
        if self.claimed_at.is_some() {
            EntryStatus::Claimed
        } else if self.disposed_at.is_some() {
            EntryStatus::Disposed
        } else {
            EntryStatus::Stored
        }
    }

    /// Every problem.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = item_problems(&self.category, &self.description);
        if self.found_place.trim().is_empty() {
            problems.push(SettingProblem::new("found_place", SettingReason::Required));
        }
        for (field, at) in [
            ("claimed_at", self.claimed_at),
            ("disposed_at", self.disposed_at),
        ] {
            if at.is_some_and(|at| at < self.found_at) {
                problems.push(coded(
                    field,
                    "ledger_before_found",
                    Vec::new(),
                    "is before the item was found",
                ));
            }
        }
        if self.claimed_at.is_some() && self.disposed_at.is_some() {
            problems.push(coded(
                "disposed_at",
                "ledger_claimed_or_disposed",
                Vec::new(),
                "an item is either claimed or disposed of, not both",
            ));
        }
        if self.disposed_at.is_some() && self.disposal.trim().is_empty() {
            problems.push(SettingProblem::new("disposal", SettingReason::Required));
        }
        problems
    }
}

/// The problems of an item's category (one of [`FOUND_CATEGORIES`]) and description (needed),
/// alike for found items and lost reports.
fn item_problems(category: &str, description: &str) -> Vec<SettingProblem> {
    let mut problems = Vec::new();
    if !FOUND_CATEGORIES.contains(&category) {
        problems.push(SettingProblem::new(
            "category",
            SettingReason::Unknown(category.to_owned()),
        ));
    }
    if description.trim().is_empty() {
        problems.push(SettingProblem::new("description", SettingReason::Required));
    }
    problems
}

/// Whether a claimant's description names one of the recorded hidden features, not counting
/// what the desk may have revealed (`public`: the category, colour, brand and description
/// shown). Texts are compared with spaces and punctuation removed and letters lower-cased: a
/// feature matches when the description contains it, or when they share at least three
/// character pairs (bigrams) — or half of the feature's pairs — that the public text does not
/// hold. A feature written as a list counts part by part. No features recorded → no claim
/// matches (the desk records them when it registers the item).
pub fn claim_matches(features: &[String], public: &str, description: &str) -> bool {
    let said = fold(description);
    if said.chars().count() < 2 {
        return false;
    }
    let revealed = bigrams(&fold(public));
    let said_pairs: BTreeSet<(char, char)> =
        bigrams(&said).difference(&revealed).copied().collect();
    let matches = |feature: &str| {
        let feature = fold(feature);
        if feature.chars().count() < 2 {
            return false;
        }
        if said.contains(&feature) && !fold(public).contains(&feature) {
            return true;
        }
        let pairs: BTreeSet<(char, char)> =
            bigrams(&feature).difference(&revealed).copied().collect();
        let shared = pairs.intersection(&said_pairs).count();
        !pairs.is_empty() && (shared >= 3 || shared * 2 >= pairs.len())
    };
    // a feature written as a list ("蓝色钥匙扣，埃菲尔铁塔") counts part by part
    features
        .iter()
        .flat_map(|feature| feature.split([',', '，', '、', ';', '；', '/']))
        .any(matches)
}

/// Letters and digits only, lower-cased.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Consecutive character pairs.
fn bigrams(text: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// The facts of one use of emergency medicine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicineFacts {
    /// The medicine.
    pub medicine: String,
    /// How many (tablets, plasters …).
    pub quantity: i64,
    /// Staff or customer.
    #[serde(rename = "use")]
    pub use_: MedicineUse,
    /// When (epoch ms).
    pub used_at: i64,
    /// Member of staff who gave it.
    #[serde(default)]
    pub staff: String,
}

/// The person helped, as little as is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicinePersonal {
    /// Who (e.g. "顾客，女，约 30 岁" or a staff name).
    #[serde(default)]
    pub person: String,
    /// Follow-up and notes.
    #[serde(default)]
    pub note: String,
}

impl MedicineFacts {
    /// Every problem.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.medicine.trim().is_empty() {
            problems.push(SettingProblem::new("medicine", SettingReason::Required));
        }
        if !(1..=1000).contains(&self.quantity) {
            problems.push(SettingProblem::new(
                "quantity",
                SettingReason::Range {
                    min: "1".to_owned(),
                    max: "1000".to_owned(),
                },
            ));
        }
        problems
    }
}

/// The facts of a card request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFacts {
    /// New, lost or reissue.
    pub request: CardRequest,
    /// When (epoch ms).
    pub requested_at: i64,
    /// When the card was ready for hand-over.
    pub ready_at: Option<i64>,
    /// When it was handed over / done.
    pub done_at: Option<i64>,
    /// Member of staff who took the request.
    #[serde(default)]
    pub staff: String,
}

/// A card holder's personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPersonal {
    /// Name.
    pub customer_name: String,
    /// Phone.
    pub phone: String,
    /// The card's number.
    #[serde(default)]
    pub card_no: String,
}

impl CardFacts {
    /// Where the request stands.
    pub fn status(&self) -> EntryStatus {
        if self.done_at.is_some() {
            EntryStatus::Done
        } else if self.ready_at.is_some() {
            EntryStatus::Ready
        } else {
            EntryStatus::Requested
        }
    }

    /// Every problem.
    pub fn problems(&self) -> Vec<SettingProblem> {
        [("ready_at", self.ready_at), ("done_at", self.done_at)]
            .into_iter()
            .filter(|(_, at)| at.is_some_and(|at| at < self.requested_at))
            .map(|(field, _)| {
                coded(
                    field,
                    "ledger_before_request",
                    Vec::new(),
                    "is before the request",
                )
            })
            .collect()
    }
}

/// The facts of a paid service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFacts {
    /// What was done.
    pub service: PaidService,
    /// What it cost.
    pub amount: Fen,
    /// When (epoch ms).
    pub served_at: i64,
    /// Whether the customer asked for an invoice (发票).
    #[serde(default)]
    pub invoice_requested: bool,
    /// Member of staff.
    #[serde(default)]
    pub staff: String,
}

/// A paying customer's personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePersonal {
    /// Name.
    #[serde(default)]
    pub customer_name: String,
    /// The invoice's title (buyer) and tax number.
    #[serde(default)]
    pub invoice_title: String,
}

named_enum!(
    /// How a lost report ended.
    ReportOutcome {
        /// The reporter got the item back.
        Recovered = "recovered",
        /// The reporter withdrew it.
        Withdrawn = "withdrawn",
    }
);

/// The facts of a lost report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFacts {
    /// One of [`FOUND_CATEGORIES`].
    pub category: String,
    /// Colour.
    #[serde(default)]
    pub colour: String,
    /// Brand.
    #[serde(default)]
    pub brand: String,
    /// What it looks like.
    pub description: String,
    /// Where it may have been lost.
    #[serde(default)]
    pub lost_place: String,
    /// About when it was lost (epoch ms).
    pub lost_at: i64,
    /// When it was reported.
    pub reported_at: i64,
    /// When the report ended.
    pub closed_at: Option<i64>,
    /// How it ended.
    pub outcome: Option<ReportOutcome>,
    /// The found item it turned out to be.
    #[serde(default)]
    pub found_entry: String,
    /// Member of staff who took it.
    #[serde(default)]
    pub staff: String,
}

/// Who reported the loss.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPersonal {
    /// Name.
    pub reporter_name: String,
    /// Phone (to call when it turns up).
    pub phone: String,
    /// Anything else they said.
    #[serde(default)]
    pub note: String,
}

impl ReportFacts {
    /// Where the report stands.
    pub fn status(&self) -> EntryStatus {
        match self.outcome {
            None => EntryStatus::Reported,
            Some(ReportOutcome::Recovered) => EntryStatus::Recovered,
            Some(ReportOutcome::Withdrawn) => EntryStatus::Withdrawn,
        }
    }

    /// Every problem.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = item_problems(&self.category, &self.description);
        if self.lost_at > self.reported_at {
            problems.push(coded(
                "lost_at",
                "ledger_lost_after_report",
                Vec::new(),
                "is after the loss was reported",
            ));
        }
        if self.closed_at.is_some() != self.outcome.is_some() {
            problems.push(coded(
                "closed_at",
                "ledger_report_outcome",
                Vec::new(),
                "a closed report needs its outcome (recovered, withdrawn) and the time",
            ));
        }
        problems
    }
}

/// The longest a found item is looked for after a loss: items found later are not suggested.
pub const MATCH_WINDOW_MS: i64 = 60 * 86_400_000;

/// The lowest score (0–100) a suggested match has.
pub const MATCH_THRESHOLD: u32 = 50;

/// How well a found item answers a lost report, 0–100, or `None` when it cannot be the one
/// (another category, or found more than a day before the loss or [`MATCH_WINDOW_MS`] after).
/// The category gives 40, the same colour 15, the place 15 × the share of the report's place
/// words found in the item's, the description 30 × the Jaccard overlap of their words — the
/// words come from the caller (the knowledge base's tokenizer: jieba words and every CJK
/// character, folded), so the rule stays free of a dictionary.
pub fn match_score(
    found: &FoundFacts,
    found_words: &BTreeSet<String>,
    found_place: &BTreeSet<String>,
    report: &ReportFacts,
    report_words: &BTreeSet<String>,
    report_place: &BTreeSet<String>,
) -> Option<u32> {
    if found.category != report.category
        || found.found_at < report.lost_at - 86_400_000
        || found.found_at > report.lost_at + MATCH_WINDOW_MS
    {
        return None;
    }
    let mut score = 40.0;
    if !found.colour.trim().is_empty() && fold(&found.colour) == fold(&report.colour) {
        score += 15.0;
    }
    if !report_place.is_empty() {
        let shared = report_place.intersection(found_place).count() as f64;
        score += 15.0 * shared / report_place.len() as f64;
    }
    let union = found_words.union(report_words).count();
    if union > 0 {
        let shared = found_words.intersection(report_words).count() as f64;
        score += 30.0 * shared / union as f64;
    }
    Some(score.round() as u32)
}

/// One entry of any ledger: its facts and, until retention removes it, its personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A loan.
    Lending(LoanFacts, Option<LoanPersonal>),
    /// A found item.
    LostFound(FoundFacts, Option<FoundPersonal>),
    /// A use of emergency medicine.
    Medicine(MedicineFacts, Option<MedicinePersonal>),
    /// A card request.
    Membership(CardFacts, Option<CardPersonal>),
    /// A paid service.
    PaidServices(ServiceFacts, Option<ServicePersonal>),
    /// A lost report.
    LostReports(ReportFacts, Option<ReportPersonal>),
}

impl Entry {
    /// Its ledger.
    pub fn ledger(&self) -> LedgerKind {
        match self {
            Entry::Lending(..) => LedgerKind::Lending,
            Entry::LostFound(..) => LedgerKind::LostFound,
            Entry::Medicine(..) => LedgerKind::Medicine,
            Entry::Membership(..) => LedgerKind::Membership,
            Entry::PaidServices(..) => LedgerKind::PaidServices,
            Entry::LostReports(..) => LedgerKind::LostReports,
        }
    }

    /// Its type (`by_type`).
    pub fn kind(&self) -> &str {
        match self {
            Entry::Lending(facts, _) => facts.item_type.name(),
            Entry::LostFound(facts, _) => &facts.category,
            Entry::Medicine(facts, _) => facts.use_.name(),
            Entry::Membership(facts, _) => facts.request.name(),
            Entry::PaidServices(facts, _) => facts.service.name(),
            Entry::LostReports(facts, _) => &facts.category,
        }
    }

    /// Where it stands.
    pub fn status(&self) -> EntryStatus {
        match self {
            Entry::Lending(facts, _) => facts.status(),
            Entry::LostFound(facts, _) => facts.status(),
            Entry::Medicine(..) => EntryStatus::Used,
            Entry::Membership(facts, _) => facts.status(),
            Entry::PaidServices(..) => EntryStatus::Served,
            Entry::LostReports(facts, _) => facts.status(),
        }
    }

    /// Its first time stamp (what the summary counts by).
    pub fn opened_at(&self) -> i64 {
        match self {
            Entry::Lending(facts, _) => facts.lent_at,
            Entry::LostFound(facts, _) => facts.found_at,
            Entry::Medicine(facts, _) => facts.used_at,
            Entry::Membership(facts, _) => facts.requested_at,
            Entry::PaidServices(facts, _) => facts.served_at,
            Entry::LostReports(facts, _) => facts.reported_at,
        }
    }

    /// When it closed (retention counts from here); `None` while open.
    pub fn closed_at(&self) -> Option<i64> {
        match self {
            Entry::Lending(facts, _) => facts.returned_at,
            Entry::LostFound(facts, _) => facts.claimed_at.or(facts.disposed_at),
            Entry::Medicine(facts, _) => Some(facts.used_at),
            Entry::Membership(facts, _) => facts.done_at,
            Entry::PaidServices(facts, _) => Some(facts.served_at),
            Entry::LostReports(facts, _) => facts.closed_at,
        }
    }

    /// The deposit (lending) or the price (paid services).
    pub fn amount(&self) -> Option<Fen> {
        match self {
            Entry::Lending(facts, _) => Some(facts.deposit),
            Entry::PaidServices(facts, _) => Some(facts.amount),
            _ => None,
        }
    }

    /// The lent item's code.
    pub fn item_code(&self) -> Option<&str> {
        match self {
            Entry::Lending(facts, _) => Some(&facts.item_code),
            _ => None,
        }
    }

    /// Whether it still holds personal data.
    pub fn has_personal(&self) -> bool {
        match self {
            Entry::Lending(_, p) => p.is_some(),
            Entry::LostFound(_, p) => p.is_some(),
            Entry::Medicine(_, p) => p.is_some(),
            Entry::Membership(_, p) => p.is_some(),
            Entry::PaidServices(_, p) => p.is_some(),
            Entry::LostReports(_, p) => p.is_some(),
        }
    }

    /// Every problem of its facts.
    pub fn problems(&self) -> Vec<SettingProblem> {
        match self {
            Entry::Lending(facts, _) => facts.problems(),
            Entry::LostFound(facts, _) => facts.problems(),
            Entry::Medicine(facts, _) => facts.problems(),
            Entry::Membership(facts, _) => facts.problems(),
            Entry::PaidServices(..) => Vec::new(),
            Entry::LostReports(facts, _) => facts.problems(),
        }
    }

    /// The facts as stored (JSON).
    pub fn facts_json(&self) -> String {
        let value = match self {
            Entry::Lending(f, _) => serde_json::to_string(f),
            Entry::LostFound(f, _) => serde_json::to_string(f),
            Entry::Medicine(f, _) => serde_json::to_string(f),
            Entry::Membership(f, _) => serde_json::to_string(f),
            Entry::PaidServices(f, _) => serde_json::to_string(f),
            Entry::LostReports(f, _) => serde_json::to_string(f),
        };
        value.unwrap_or_default()
    }

    /// The personal data as stored (JSON), `None` once removed.
    pub fn personal_json(&self) -> Option<String> {
        let value = match self {
            Entry::Lending(_, p) => p.as_ref().map(serde_json::to_string),
            Entry::LostFound(_, p) => p.as_ref().map(serde_json::to_string),
            Entry::Medicine(_, p) => p.as_ref().map(serde_json::to_string),
            Entry::Membership(_, p) => p.as_ref().map(serde_json::to_string),
            Entry::PaidServices(_, p) => p.as_ref().map(serde_json::to_string),
            Entry::LostReports(_, p) => p.as_ref().map(serde_json::to_string),
        };
        value.map(Result::unwrap_or_default)
    }

    /// An entry of `ledger` read back from its stored facts and personal data.
    pub fn from_json(
        ledger: LedgerKind,
        facts: &str,
        personal: Option<&str>,
    ) -> Result<Entry, serde_json::Error> {
        fn personal_of<T: serde::de::DeserializeOwned>(
            text: Option<&str>,
        ) -> Result<Option<T>, serde_json::Error> {
            text.map(serde_json::from_str).transpose()
        }
        Ok(match ledger {
            LedgerKind::Lending => {
                Entry::Lending(serde_json::from_str(facts)?, personal_of(personal)?)
            }
            LedgerKind::LostFound => {
                Entry::LostFound(serde_json::from_str(facts)?, personal_of(personal)?)
            }
            LedgerKind::Medicine => {
                Entry::Medicine(serde_json::from_str(facts)?, personal_of(personal)?)
            }
            LedgerKind::Membership => {
                Entry::Membership(serde_json::from_str(facts)?, personal_of(personal)?)
            }
            LedgerKind::PaidServices => {
                Entry::PaidServices(serde_json::from_str(facts)?, personal_of(personal)?)
            }
            LedgerKind::LostReports => {
                Entry::LostReports(serde_json::from_str(facts)?, personal_of(personal)?)
            }
        })
    }

    /// The same entry without its personal data.
    pub fn anonymised(&self) -> Entry {
        match self.clone() {
            Entry::Lending(f, _) => Entry::Lending(f, None),
            Entry::LostFound(f, _) => Entry::LostFound(f, None),
            Entry::Medicine(f, _) => Entry::Medicine(f, None),
            Entry::Membership(f, _) => Entry::Membership(f, None),
            Entry::PaidServices(f, _) => Entry::PaidServices(f, None),
            Entry::LostReports(f, _) => Entry::LostReports(f, None),
        }
    }
}

/// The first day whose closed entries keep their personal data on `as_of` under a retention of
/// `retention_days`: an entry closed on a day before it is anonymised ("more than
/// `retention_days` days before `as_of`").
pub fn retention_cutoff(
    as_of: jiff::civil::Date,
    retention_days: u32,
) -> Option<jiff::civil::Date> {
    as_of
        .checked_sub(jiff::Span::new().days(i64::from(retention_days)))
        .ok()
}

/// Masks a phone number for lists: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Checks the last four characters of an ID at `field`: exactly four digits or letters (an ID
/// card's last character may be X). Empty is allowed where the ledger does not require it.
pub fn id_last4_problem(field: &str, text: &str) -> Option<SettingProblem> {
    let text = text.trim();
    (!text.is_empty()
        && (text.chars().count() != 4 || !text.chars().all(|c| c.is_ascii_alphanumeric())))
    .then(|| {
        coded(
            field,
            "ledger_id_last4",
            Vec::new(),
            "only the last 4 characters of the ID (digits or X), never the whole number",
        )
    })
}

/// An amount in yuan at `field`, or its problem.
pub fn yuan_at(field: &str, text: &str) -> Result<Fen, SettingProblem> {
    Fen::parse_yuan(text).map_err(|english| {
        coded(
            field,
            "ledger_amount",
            vec![("value", text.trim().to_owned())],
            english,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts_read_as_fen_and_print_with_two_decimals() {
        assert_eq!(Fen::parse_yuan("50"), Ok(Fen(5000)));
        assert_eq!(Fen::parse_yuan(" ¥50.5 "), Ok(Fen(5050)));
        assert_eq!(Fen::parse_yuan("￥1,250.05"), Ok(Fen(125_005)));
        assert_eq!(Fen::parse_yuan("20元"), Ok(Fen(2000)));
        assert_eq!(Fen::parse_yuan("0.07"), Ok(Fen(7)));
        assert!(Fen::parse_yuan("50.005").is_err());
        assert!(Fen::parse_yuan("-5").unwrap_err().contains("negative"));
        assert!(Fen::parse_yuan("1e18").is_err());
        assert!(Fen::parse_yuan("1000000000000000000").is_err());
        assert!(Fen::parse_yuan("=HYPERLINK(1)").is_err());
        assert!(Fen::parse_yuan("").is_err());
        assert_eq!(Fen(5000).yuan(), "50.00");
        assert_eq!(Fen(-350).yuan(), "-3.50");
        assert_eq!(Fen(7).yuan(), "0.07");
    }

    fn loan(deposit: i64) -> LoanFacts {
        LoanFacts {
            item_type: ItemType::Umbrella,
            item_code: "U-01".into(),
            lent_at: 1_000,
            deposit: Fen(deposit),
            deposit_method: DepositMethod::Cash,
            expected_return_at: Some(2_000),
            returned_at: None,
            return_condition: None,
            refunded: None,
            withheld_reason: String::new(),
            staff: String::new(),
            reminded_at: Vec::new(),
        }
    }

    #[test]
    fn a_loan_holds_its_deposit_until_it_comes_back() {
        let mut facts = loan(5000);
        assert_eq!(facts.status(), EntryStatus::Lent);
        assert_eq!(facts.deposit_totals().held(), Fen(5000));
        assert!(facts.overdue(2_001) && !facts.overdue(1_999));
        facts.returned_at = Some(3_000);
        facts.return_condition = Some(ReturnCondition::Damaged);
        facts.refunded = Some(Fen(3000));
        assert_eq!(facts.status(), EntryStatus::Damaged);
        let totals = facts.deposit_totals();
        assert_eq!(
            (totals.refunded, totals.withheld, totals.held()),
            (Fen(3000), Fen(2000), Fen(0))
        );
        facts.return_condition = Some(ReturnCondition::Lost);
        facts.refunded = None;
        assert_eq!(facts.deposit_totals().withheld, Fen(5000));
        facts.refunded = Some(Fen(6000));
        assert_eq!(facts.problems()[0].field, "deposit_refunded_yuan");
    }

    #[test]
    fn movements_take_the_ledger_to_what_a_loan_needs() {
        let held = DepositTotals {
            taken: Fen(5000),
            ..DepositTotals::default()
        };
        let wanted = DepositTotals {
            taken: Fen(5000),
            refunded: Fen(3000),
            withheld: Fen(2000),
        };
        assert_eq!(
            held.movements_to(wanted),
            vec![
                (DepositMovement::Refunded, Fen(3000)),
                (DepositMovement::Withheld, Fen(2000))
            ]
        );
        assert!(wanted.movements_to(wanted).is_empty());
    }

    #[test]
    fn a_claim_must_name_a_feature_the_desk_kept_back() {
        let features = vec![
            "内有一张红色公交卡".to_owned(),
            "背面贴有小熊贴纸".to_owned(),
        ];
        let public = "wallet 黑色 黑色男士钱包";
        assert!(claim_matches(&features, public, "里面有张红色的公交卡"));
        assert!(claim_matches(&features, public, "背面有小熊贴纸"));
        assert!(!claim_matches(&features, public, "黑色的钱包"));
        assert!(!claim_matches(&features, public, "黑色男士钱包"));
        assert!(!claim_matches(&features, public, "卡"));
        assert!(!claim_matches(&[], public, "黑色的钱包"));
        let family = vec!["夹层里有一张全家福照片".to_owned()];
        assert!(claim_matches(&family, public, "黑色的钱包，夹层有张全家福"));
        // what the desk showed does not count, even when it was also written as a feature
        assert!(!claim_matches(
            &["黑色男士钱包".into()],
            public,
            "黑色男士钱包"
        ));
        assert!(claim_matches(
            &["Blue keyring, Eiffel tower".into()],
            "keys",
            "a blue keyring"
        ));
    }

    #[test]
    fn entries_round_trip_and_lose_only_personal_data() {
        let entry = Entry::Lending(
            loan(5000),
            Some(LoanPersonal {
                customer_name: "王先生".into(),
                phone: "13800138000".into(),
                id_type: "resident_id".into(),
                id_last4: "123X".into(),
            }),
        );
        let back = Entry::from_json(
            LedgerKind::Lending,
            &entry.facts_json(),
            entry.personal_json().as_deref(),
        )
        .unwrap();
        assert_eq!(back, entry);
        let anonymous = entry.anonymised();
        assert!(!anonymous.has_personal() && anonymous.personal_json().is_none());
        assert_eq!(
            (anonymous.kind(), anonymous.status()),
            ("umbrella", EntryStatus::Lent)
        );
        assert!(!anonymous.facts_json().contains("王先生"));
    }

    #[test]
    fn cutoff_phones_and_id_digits() {
        let as_of = jiff::civil::date(2027, 3, 1);
        assert_eq!(
            retention_cutoff(as_of, 365),
            Some(jiff::civil::date(2026, 3, 1))
        );
        assert_eq!(mask_phone("138 0013 8000"), "138****8000");
        assert!(id_last4_problem("id", "123X").is_none());
        assert!(id_last4_problem("id", "").is_none());
        assert!(id_last4_problem("id", "110101199001011234").is_some());
    }

    #[test]
    fn every_status_and_type_reads_back() {
        for ledger in LedgerKind::ALL {
            assert_eq!(LedgerKind::parse(ledger.name()), Some(ledger));
            for status in ledger.statuses() {
                assert_eq!(EntryStatus::parse(status.name()), Some(*status));
            }
        }
        assert_eq!(LedgerKind::parse("lost-found"), Some(LedgerKind::LostFound));
        assert_eq!(PaidService::parse("Gift-Wrap"), Some(PaidService::GiftWrap));
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;

    fn words(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn a_found_item_answers_a_report_of_its_category_colour_place_and_words() {
        let found = FoundFacts {
            category: "wallet".into(),
            colour: "黑色".into(),
            brand: String::new(),
            description: "黑色男士钱包".into(),
            hidden_features: Vec::new(),
            found_place: "美食广场".into(),
            found_at: 10 * 86_400_000,
            storage_location: String::new(),
            claimed_at: None,
            disposed_at: None,
            disposal: String::new(),
            staff: String::new(),
        };
        let report = ReportFacts {
            category: "wallet".into(),
            colour: "黑".into(),
            brand: String::new(),
            description: "男士钱包 黑色".into(),
            lost_place: "三楼美食广场".into(),
            lost_at: 9 * 86_400_000,
            reported_at: 9 * 86_400_000,
            closed_at: None,
            outcome: None,
            found_entry: String::new(),
            staff: String::new(),
        };
        let item_words = words(&["黑色", "男士", "钱包"]);
        let said = words(&["男士", "钱包", "黑色"]);
        let place = words(&["美食", "广场"]);
        let said_place = words(&["三楼", "美食", "广场"]);
        // category 40, colour differs (黑 vs 黑色), place 2 of 3 words, description all shared
        assert_eq!(
            match_score(&found, &item_words, &place, &report, &said, &said_place),
            Some(80)
        );
        let other = ReportFacts {
            category: "phone".into(),
            ..report.clone()
        };
        assert_eq!(
            match_score(&found, &item_words, &place, &other, &said, &said_place),
            None
        );
        // found two days before it was lost: not it
        let later = ReportFacts {
            lost_at: 12 * 86_400_000,
            reported_at: 12 * 86_400_000,
            ..report.clone()
        };
        assert_eq!(
            match_score(&found, &item_words, &place, &later, &said, &said_place),
            None
        );
        assert_eq!(
            ReportFacts {
                outcome: Some(ReportOutcome::Recovered),
                ..report
            }
            .problems()[0]
                .field,
            "closed_at"
        );
    }
}
