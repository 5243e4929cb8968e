//! What a KPI table can be grouped by, and which measures mean something for a grouping. A
//! measure is left out of a table (and explained in its footnote) when the grouping makes it
//! either constant or impossible: only answered contacts carry an agent, so an agent's answer
//! rate is always 100 %; agent states carry no channel, so occupancy per channel cannot exist.

/// A non-time grouping dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Queue or skill group.
    Queue,
    /// Agent id.
    Agent,
    /// Team from the agent roster.
    Team,
    /// Contact channel.
    Channel,
    /// Business category.
    Category,
    /// Inbound or outbound.
    Direction,
    /// The customer's **current** segment (e.g. VIP) from the customer profiles: customer
    /// measures only (`docs/kpi.md#customer-measures`).
    Segment,
}

impl Dimension {
    /// Every dimension, in the order forms list them.
    pub const ALL: [Dimension; 7] = [
        Dimension::Queue,
        Dimension::Agent,
        Dimension::Team,
        Dimension::Channel,
        Dimension::Category,
        Dimension::Direction,
        Dimension::Segment,
    ];

    /// The name used in `--by`, filters and as the output key.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Queue => "queue",
            Dimension::Agent => "agent",
            Dimension::Team => "team",
            Dimension::Channel => "channel",
            Dimension::Category => "category",
            Dimension::Direction => "direction",
            Dimension::Segment => "segment",
        }
    }

    /// Whether agent-state time can be attributed to this dimension's values: to an agent, to the
    /// agent's team, and to the queues the roster says the agent serves; a state has no channel,
    /// category or direction.
    pub fn has_agent_states(self) -> bool {
        matches!(self, Dimension::Queue | Dimension::Agent | Dimension::Team)
    }

    /// Whether every contact of a group of this dimension has been answered: the agent (and the
    /// agent's team) is known only for answered contacts.
    pub fn only_answered(self) -> bool {
        matches!(self, Dimension::Agent | Dimension::Team)
    }
}

/// Where a measure means something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any grouping.
    Everywhere,
    /// A property of the queue as the customer met it (offered, waits, answer rate, service
    /// level): constant or meaningless per agent or team.
    OfferedContacts,
    /// Computed from agent-state time: impossible per channel, category or direction.
    AgentStates,
    /// Computed from 360° ratings of agents: only per agent or team (a rating has no queue,
    /// channel, category or direction).
    AgentRatings,
    /// Computed from tickets: per agent (the assignee), team, category or channel; a ticket has
    /// no queue or direction.
    Tickets,
    /// Computed from customers (churn, repeat contacts in any category, customers who
    /// complained): for the centre and per customer segment only.
    Customers,
}

/// Why a measure is left out of a grouping's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exclusion {
    /// Only answered contacts carry an agent (and so a team): the measure cannot vary.
    OnlyAnsweredHaveAgent(Dimension),
    /// Agent states do not have this dimension: the measure cannot be computed.
    StatesLack(Dimension),
    /// Ratings of agents do not have this dimension: the measure cannot be computed.
    RatingsLack(Dimension),
    /// Tickets do not have this dimension: the measure cannot be computed.
    TicketsLack(Dimension),
    /// Customer measures exist for the centre and per segment only.
    CustomersLack(Dimension),
    /// Contacts, states, ratings and tickets are not summed by the customer's segment.
    NotPerSegment,
}

impl Exclusion {
    /// The stable code, also the catalogue key's last part (`kpi.excluded.{code}`).
    pub fn code(self) -> &'static str {
        match self {
            Exclusion::OnlyAnsweredHaveAgent(_) => "only_answered_have_agent",
            Exclusion::StatesLack(_) => "states_lack",
            Exclusion::RatingsLack(_) => "ratings_lack",
            Exclusion::TicketsLack(_) => "tickets_lack",
            Exclusion::CustomersLack(_) => "customers_lack",
            Exclusion::NotPerSegment => "not_per_segment",
        }
    }

    /// The dimension that excludes the measure.
    pub fn dimension(self) -> Dimension {
        match self {
            Exclusion::OnlyAnsweredHaveAgent(dimension)
            | Exclusion::StatesLack(dimension)
            | Exclusion::RatingsLack(dimension)
            | Exclusion::TicketsLack(dimension)
            | Exclusion::CustomersLack(dimension) => dimension,
            Exclusion::NotPerSegment => Dimension::Segment,
        }
    }
}

impl Scope {
    /// Why a measure of this scope means nothing when grouped or filtered by `dimensions`, or
    /// `None` when it is meaningful.
    pub fn exclusion(self, dimensions: &[Dimension]) -> Option<Exclusion> {
        dimensions.iter().find_map(|&dimension| match self {
            Scope::Customers => {
                (dimension != Dimension::Segment).then_some(Exclusion::CustomersLack(dimension))
            }
            _ if dimension == Dimension::Segment => Some(Exclusion::NotPerSegment),
            Scope::Everywhere => None,
            Scope::OfferedContacts => dimension
                .only_answered()
                .then_some(Exclusion::OnlyAnsweredHaveAgent(dimension)),
            Scope::AgentStates => {
                (!dimension.has_agent_states()).then_some(Exclusion::StatesLack(dimension))
            }
            Scope::AgentRatings => {
                (!dimension.only_answered()).then_some(Exclusion::RatingsLack(dimension))
            }
            Scope::Tickets => matches!(dimension, Dimension::Queue | Dimension::Direction)
                .then_some(Exclusion::TicketsLack(dimension)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_rate_is_excluded_per_agent_and_occupancy_per_channel() {
        assert_eq!(
            Scope::OfferedContacts.exclusion(&[Dimension::Queue, Dimension::Team]),
            Some(Exclusion::OnlyAnsweredHaveAgent(Dimension::Team))
        );
        assert_eq!(Scope::OfferedContacts.exclusion(&[Dimension::Queue]), None);
        assert_eq!(
            Scope::AgentStates.exclusion(&[Dimension::Agent, Dimension::Channel]),
            Some(Exclusion::StatesLack(Dimension::Channel))
        );
        assert_eq!(Scope::AgentStates.exclusion(&[Dimension::Queue]), None);
        for dimension in Dimension::ALL {
            if dimension != Dimension::Segment {
                assert_eq!(Scope::Everywhere.exclusion(&[dimension]), None);
            }
        }
    }

    #[test]
    fn customer_measures_exist_per_segment_and_nothing_else_does() {
        assert_eq!(Scope::Customers.exclusion(&[Dimension::Segment]), None);
        assert_eq!(Scope::Customers.exclusion(&[]), None);
        assert_eq!(
            Scope::Customers.exclusion(&[Dimension::Segment, Dimension::Queue]),
            Some(Exclusion::CustomersLack(Dimension::Queue))
        );
        assert_eq!(
            Scope::Everywhere.exclusion(&[Dimension::Segment]),
            Some(Exclusion::NotPerSegment)
        );
    }
}
