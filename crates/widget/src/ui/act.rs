//! What a control does: one typed name per action, written into the
//! markup's `data-act` and read back by the section's handler, so a typo is
//! a compile error rather than a button that silently does nothing.

/// A control's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Load the shopper's document again after a failure.
    Retry,
    /// Ask to redeem a reward (opens the confirmation).
    Redeem,
    /// Confirm the redemption.
    Confirm,
    /// Keep the points (closes the confirmation).
    Keep,
    /// Copy a coupon code.
    Copy,
    /// Show (more of) the activity history.
    Activity,
    /// Show every expiry date, not only the nearest.
    AllExpiries,
    /// Skip the next delivery.
    Skip,
    /// Resume a paused subscription.
    Resume,
    /// Reactivate a cancelled subscription.
    Reactivate,
    /// Open the pause form.
    Pause,
    /// Open the reschedule form.
    Reschedule,
    /// Open the frequency form.
    Frequency,
    /// Open the quantity form.
    Quantity,
    /// Open the swap form.
    Swap,
    /// Open the cancel flow.
    Cancel,
    /// Close an open form without a change.
    Back,
    /// Choose a cancel reason.
    Reason,
    /// Take the save offer of the chosen reason.
    Offer,
    /// Submit the open subscription form.
    Submit,
    /// Take back the skip or pause just made.
    Undo,
    /// Open the one-time add-on form.
    Addon,
    /// Remove a one-time item from the next delivery.
    RemoveAddon,
    /// Set the birthday.
    Birthday,
    /// Load the preferences again after a failure.
    Reload,
    /// Save the preferences form.
    Save,
    /// Switch a channel on or off.
    Channel,
    /// Move a channel up the order.
    Up,
    /// Move a channel down the order.
    Down,
    /// Switch a topic on or off.
    Topic,
    /// A transactional topic's box: always on, disabled, does nothing.
    Always,
    /// Set the weekly cap.
    Cap,
    /// Switch quiet hours on or off.
    Quiet,
    /// Set the start of quiet hours.
    QuietFrom,
    /// Set the end of quiet hours.
    QuietTo,
    /// Set the time zone.
    Zone,
    /// Switch an expiry reminder on or off.
    Remind,
    /// Pause messages for some days.
    Snooze,
    /// End a snooze.
    Unsnooze,
    /// Unsubscribe from all marketing.
    Unsubscribe,
    /// Subscribe to marketing again.
    Resubscribe,
}

// `ALL` names every action: the last one closes it.
const _: () = assert!(Act::ALL.len() == Act::Resubscribe as usize + 1);

impl Act {
    /// Every action, for reading `data-act` back.
    pub const ALL: [Act; 41] = [
        Act::Retry,
        Act::Redeem,
        Act::Confirm,
        Act::Keep,
        Act::Copy,
        Act::Activity,
        Act::AllExpiries,
        Act::Skip,
        Act::Resume,
        Act::Reactivate,
        Act::Pause,
        Act::Reschedule,
        Act::Frequency,
        Act::Quantity,
        Act::Swap,
        Act::Cancel,
        Act::Back,
        Act::Reason,
        Act::Offer,
        Act::Submit,
        Act::Undo,
        Act::Addon,
        Act::RemoveAddon,
        Act::Birthday,
        Act::Reload,
        Act::Save,
        Act::Channel,
        Act::Up,
        Act::Down,
        Act::Topic,
        Act::Always,
        Act::Cap,
        Act::Quiet,
        Act::QuietFrom,
        Act::QuietTo,
        Act::Zone,
        Act::Remind,
        Act::Snooze,
        Act::Unsnooze,
        Act::Unsubscribe,
        Act::Resubscribe,
    ];

    /// The name in `data-act` (and in the markup's focus keys).
    pub fn name(self) -> &'static str {
        match self {
            Act::Retry => "retry",
            Act::Redeem => "redeem",
            Act::Confirm => "confirm",
            Act::Keep => "keep",
            Act::Copy => "copy",
            Act::Activity => "activity",
            Act::AllExpiries => "all-expiries",
            Act::Skip => "skip",
            Act::Resume => "resume",
            Act::Reactivate => "reactivate",
            Act::Pause => "pause",
            Act::Reschedule => "reschedule",
            Act::Frequency => "frequency",
            Act::Quantity => "quantity",
            Act::Swap => "swap",
            Act::Cancel => "cancel",
            Act::Back => "back",
            Act::Reason => "reason",
            Act::Offer => "offer",
            Act::Submit => "submit",
            Act::Undo => "undo",
            Act::Addon => "addon",
            Act::RemoveAddon => "remove-addon",
            Act::Birthday => "birthday",
            Act::Reload => "reload",
            Act::Save => "save",
            Act::Channel => "channel",
            Act::Up => "up",
            Act::Down => "down",
            Act::Topic => "topic",
            Act::Always => "always",
            Act::Cap => "cap",
            Act::Quiet => "quiet",
            Act::QuietFrom => "quiet-from",
            Act::QuietTo => "quiet-to",
            Act::Zone => "zone",
            Act::Remind => "remind",
            Act::Snooze => "snooze",
            Act::Unsnooze => "unsnooze",
            Act::Unsubscribe => "unsubscribe",
            Act::Resubscribe => "resubscribe",
        }
    }

    /// The action named `name` in `data-act`.
    pub fn parse(name: &str) -> Option<Act> {
        Act::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The focus key (`data-key`) of this action's control for `arg`:
    /// focus finds it again after a re-render.
    pub fn key(self, arg: &str) -> String {
        format!("{}:{arg}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Act;

    #[test]
    fn every_action_reads_back_from_its_name_and_names_are_distinct() {
        for act in Act::ALL {
            assert_eq!(Act::parse(act.name()), Some(act));
        }
        let mut names: Vec<_> = Act::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Act::ALL.len());
        assert_eq!(Act::parse("redeme"), None, "a typo is no action");
        assert_eq!(Act::Redeem.key("r1"), "redeem:r1");
    }
}
