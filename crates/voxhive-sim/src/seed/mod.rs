//! Seeded data: the same configuration always builds the same world.

pub mod dialogue;
pub mod elevenlabs;
pub mod elevenlabs_agent;
pub mod outcomes;
pub mod personas;
pub mod vapi;
pub mod vapi_assistant;

use jiff::Timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::SimConfig;
use crate::state::World;
use crate::time::{plus_ms, today};

/// The period the seeded history covers.
#[derive(Debug, Clone, Copy)]
pub struct History {
    /// First instant of the period.
    pub start: Timestamp,
    /// End of the period (exclusive).
    pub end: Timestamp,
    /// Assistants per account.
    pub assistants_per_org: usize,
}

impl History {
    /// Length of the period in milliseconds (at least one).
    pub fn span_ms(&self) -> i64 {
        (self.end.as_millisecond() - self.start.as_millisecond()).max(1)
    }
}

/// A call start time: weekdays busier than weekends, mostly in US business hours.
pub fn call_start(rng: &mut impl Rng, history: &History) -> Timestamp {
    loop {
        let at = plus_ms(history.start, rng.random_range(0..history.span_ms()));
        let day = at.as_second().div_euclid(86_400);
        let weekday = (day + 4).rem_euclid(7); // 0 = Sunday
        let hour = at.as_second().rem_euclid(86_400) / 3_600;
        let weekend = weekday == 0 || weekday == 6;
        let business = (13..24).contains(&hour); // 8 AM to 7 PM US Eastern
        let keep = match (weekend, business) {
            (false, true) => 100,
            (true, true) => 30,
            (false, false) => 12,
            (true, false) => 4,
        };
        if rng.random_range(0..100) < keep {
            return at;
        }
    }
}

/// Builds the whole world of a configuration.
pub fn world(config: &SimConfig) -> World {
    let mut master = ChaCha8Rng::seed_from_u64(config.seed);
    let end = config.now.unwrap_or_else(today);
    let history = History {
        start: plus_ms(end, -i64::from(config.sizes.days.max(1)) * 86_400_000),
        end,
        assistants_per_org: config.sizes.assistants_per_org.max(1),
    };
    let accounts = (config.vapi_orgs.len() + config.elevenlabs_workspaces.len()).max(1);
    let per_account = config.sizes.calls / accounts;
    let mut remainder = config.sizes.calls - per_account * accounts;
    let mut share = || {
        let extra = usize::from(remainder > 0);
        remainder -= extra;
        per_account + extra
    };
    let vapi = config
        .vapi_orgs
        .iter()
        .enumerate()
        .map(|(i, org)| {
            let mut rng = ChaCha8Rng::seed_from_u64(master.random());
            vapi::account(&mut rng, &org.api_key, i, &history, share())
        })
        .collect();
    let offset = config.vapi_orgs.len();
    let elevenlabs = config
        .elevenlabs_workspaces
        .iter()
        .enumerate()
        .map(|(i, ws)| {
            let mut rng = ChaCha8Rng::seed_from_u64(master.random());
            elevenlabs::account(&mut rng, ws, offset + i, &history, share())
        })
        .collect();
    World {
        vapi,
        elevenlabs,
        rng: ChaCha8Rng::seed_from_u64(master.random()),
    }
}
