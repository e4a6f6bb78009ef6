//! The word tables. Placeholders in braces are filled by `super::fill`.

use super::Forms;

/// Every word the widget shows, in one language.
pub struct Texts {
    /// Plural forms of "point".
    pub point: Forms,
    /// Plural forms of "day".
    pub day: Forms,
    /// Plural forms of "every_day".
    pub every_day: Forms,
    /// Plural forms of "every_week".
    pub every_week: Forms,
    /// Plural forms of "every_month".
    pub every_month: Forms,
    /// "Loading…"
    pub loading: &'static str,
    /// "Something went wrong."
    pub error_title: &'static str,
    /// "Try again"
    pub try_again: &'static str,
    /// "You are offline. We will update this when you are back online."
    pub offline: &'static str,
    /// "Could not reach the shop. Check your connection and try again."
    pub network_error: &'static str,
    /// "Your session has ended. Reload the page to sign in again."
    pub session_expired: &'static str,
    /// An answer the widget has no sentence for: "That did not work. Try again later."
    pub err_generic: &'static str,
    /// 409 insufficient_points
    pub err_insufficient_points: &'static str,
    /// 404/422 reward_not_found
    pub err_reward_not_found: &'static str,
    /// 404 subscription_not_found, not_found
    pub err_not_found: &'static str,
    /// 409 invalid_state
    pub err_invalid_state: &'static str,
    /// 409 subscription_locked
    pub err_subscription_locked: &'static str,
    /// 412 precondition_failed
    pub err_precondition_failed: &'static str,
    /// 422 validation_failed
    pub err_validation_failed: &'static str,
    /// 429 rate_limited
    pub err_rate_limited: &'static str,
    /// 5xx
    pub err_unavailable: &'static str,
    /// "Your points"
    pub h_loyalty: &'static str,
    /// "Your subscriptions"
    pub h_subscriptions: &'static str,
    /// "Contact preferences"
    pub h_preferences: &'static str,
    /// "Balance"
    pub balance: &'static str,
    /// "{points} pending"
    pub pending: &'static str,
    /// "{points} available from {date}"
    pub available_on: &'static str,
    /// "Tier"
    pub tier: &'static str,
    /// "{points} to {tier}"
    pub next_tier: &'static str,
    /// "You are at the top tier."
    pub top_tier: &'static str,
    /// "Tier held until {date}"
    pub held_until: &'static str,
    /// "Points expiring"
    pub expiring: &'static str,
    /// "{points} expire on {date}"
    pub expire_on: &'static str,
    /// "None of your points are due to expire."
    pub nothing_expires: &'static str,
    /// "Add reminder to calendar"
    pub add_to_calendar: &'static str,
    /// "{points} expire today"
    pub ics_summary: &'static str,
    /// "Use them before they expire."
    pub ics_description: &'static str,
    /// "Rewards"
    pub rewards: &'static str,
    /// "No rewards yet."
    pub no_rewards: &'static str,
    /// "Redeem"
    pub redeem: &'static str,
    /// "Redeem {name}"
    pub redeem_label: &'static str,
    /// "Spend {points} on {name}?"
    pub confirm_redeem: &'static str,
    /// "Confirm"
    pub confirm: &'static str,
    /// "Keep my points"
    pub keep_points: &'static str,
    /// "{points} more needed"
    pub more_needed: &'static str,
    /// "Your code for {name}:"
    pub your_code: &'static str,
    /// "Copy code"
    pub copy_code: &'static str,
    /// "Copied"
    pub copied: &'static str,
    /// "Your codes"
    pub your_codes: &'static str,
    /// "Your rewards" (the launcher's dialog title and button text)
    pub launcher_title: &'static str,
    /// "Your rewards: {points}" (the launcher button's accessible name)
    pub launcher_label: &'static str,
    /// "Close"
    pub close: &'static str,
    /// "Copy code {code}" (the accessible name of a listed code's Copy)
    pub copy_code_of: &'static str,
    /// "Copy"
    pub copy: &'static str,
    /// "Used on {date}"
    pub code_used: &'static str,
    /// "Not used yet"
    pub code_unused: &'static str,
    /// "Progress to {tier}"
    pub tier_progress: &'static str,
    /// "Show all {count} dates"
    pub all_expiries: &'static str,
    /// "{points} spent. Your balance is now {balance}."
    pub redeemed: &'static str,
    /// "Show activity"
    pub show_activity: &'static str,
    /// "Show more"
    pub show_more: &'static str,
    /// "Activity"
    pub activity: &'static str,
    /// "No activity yet."
    pub no_activity: &'static str,
    /// "You have no subscriptions."
    pub no_subscriptions: &'static str,
    /// "Active"
    pub status_active: &'static str,
    /// "Paused until {date}"
    pub status_paused: &'static str,
    /// "Cancelled"
    pub status_cancelled: &'static str,
    /// "Next delivery: {date}"
    pub next_delivery: &'static str,
    /// "{quantity} × {price} per delivery"
    pub per_delivery: &'static str,
    /// "{percent}% off"
    pub discount: &'static str,
    /// "Skip next delivery"
    pub skip: &'static str,
    /// "Pause"
    pub pause: &'static str,
    /// "Resume"
    pub resume: &'static str,
    /// "Change frequency"
    pub change_frequency: &'static str,
    /// "Reschedule"
    pub reschedule: &'static str,
    /// "Swap product"
    pub swap: &'static str,
    /// "Change quantity"
    pub change_quantity: &'static str,
    /// "Cancel subscription"
    pub cancel_subscription: &'static str,
    /// "Reactivate"
    pub reactivate: &'static str,
    /// "Resume on"
    pub resume_on: &'static str,
    /// "Frequency"
    pub frequency: &'static str,
    /// "Next delivery"
    pub next_delivery_label: &'static str,
    /// "Product"
    pub product: &'static str,
    /// "Quantity"
    pub quantity: &'static str,
    /// "Back"
    pub back: &'static str,
    /// "Delivery skipped. Next delivery: {date}."
    pub skipped: &'static str,
    /// "Paused until {date}."
    pub paused: &'static str,
    /// "Resumed. Next delivery: {date}."
    pub resumed: &'static str,
    /// "Saved. Next delivery: {date}."
    pub changed: &'static str,
    /// "Your subscription is cancelled."
    pub cancelled: &'static str,
    /// "Reactivated. Next delivery: {date}."
    pub reactivated: &'static str,
    /// "Thank you for staying."
    pub offer_taken: &'static str,
    /// "Undo"
    pub undo: &'static str,
    /// "Undone."
    pub undone: &'static str,
    /// "Your delivery of {date} is being prepared, so changes are closed until {time}."
    pub locked: &'static str,
    /// "Your delivery is being processed. Changes open again once it has been charged."
    pub locked_overdue: &'static str,
    /// "Why are you cancelling?"
    pub cancel_title: &'static str,
    /// "If you cancel now:"
    pub lose_title: &'static str,
    /// "you are a {tier} member: keep ordering to hold your tier"
    pub lose_tier: &'static str,
    /// "{points} expire on {date}: spend them first"
    pub lose_points: &'static str,
    /// "no more deliveries of {title}"
    pub lose_deliveries: &'static str,
    /// "Anything else? (optional)"
    pub comment: &'static str,
    /// "Reason"
    pub reason: &'static str,
    /// "Cancel now"
    pub cancel_now: &'static str,
    /// "Keep subscription"
    pub keep_subscription: &'static str,
    /// "Skip the next delivery instead"
    pub offer_skip: &'static str,
    /// "Pause for {days} instead"
    pub offer_pause: &'static str,
    /// "Get {percent}% off instead"
    pub offer_discount: &'static str,
    /// "Channels"
    pub channels: &'static str,
    /// "Fallback order"
    pub fallback_order: &'static str,
    /// "If a message cannot go out on one channel, we try the next."
    pub fallback_hint: &'static str,
    /// "Move {name} up"
    pub move_up: &'static str,
    /// "Move {name} down"
    pub move_down: &'static str,
    /// "Email"
    pub email: &'static str,
    /// "SMS"
    pub sms: &'static str,
    /// "WhatsApp"
    pub whatsapp: &'static str,
    /// "Telegram"
    pub telegram: &'static str,
    /// "Viber"
    pub viber: &'static str,
    /// "Push notifications"
    pub push: &'static str,
    /// "Topics"
    pub topics: &'static str,
    /// "Promotions"
    pub promotions: &'static str,
    /// "Reward updates"
    pub reward_updates: &'static str,
    /// "New products"
    pub new_products: &'static str,
    /// "Recommendations"
    pub recommendations: &'static str,
    /// "Order updates"
    pub order_updates: &'static str,
    /// "Subscription updates"
    pub subscription_updates: &'static str,
    /// "always on"
    pub always_on: &'static str,
    /// "Messages per week"
    pub per_week: &'static str,
    /// "How often and when"
    pub how_often: &'static str,
    /// "No limit"
    pub no_limit: &'static str,
    /// "Quiet hours"
    pub quiet_hours: &'static str,
    /// "From"
    pub from: &'static str,
    /// "To"
    pub to: &'static str,
    /// "Time zone"
    pub time_zone: &'static str,
    /// "Expiry reminders"
    pub reminders: &'static str,
    /// "{days} before"
    pub days_before: &'static str,
    /// "Choose up to three."
    pub up_to_three: &'static str,
    /// "Save preferences"
    pub save: &'static str,
    /// "Preferences saved"
    pub saved: &'static str,
    /// "Your preferences were changed elsewhere. We loaded the latest ones: please check them and save again."
    pub conflict: &'static str,
    /// "Snooze marketing"
    pub snooze: &'static str,
    /// "Snooze for {days}"
    pub snooze_for: &'static str,
    /// "Marketing paused until {date}"
    pub snoozed: &'static str,
    /// "Resume messages"
    pub resume_messages: &'static str,
    /// "Unsubscribe from all marketing"
    pub unsubscribe_all: &'static str,
    /// "You are unsubscribed from all marketing. Order and subscription updates still arrive."
    pub unsubscribed: &'static str,
    /// "Subscribe again"
    pub subscribe_again: &'static str,
    /// 422 birthday_locked
    pub err_birthday_locked: &'static str,
    /// "Add to next delivery"
    pub add_onetime: &'static str,
    /// "Also in the next delivery"
    pub onetime: &'static str,
    /// "Remove"
    pub remove: &'static str,
    /// "Remove {title}" (the accessible name of a one-time item's Remove)
    pub remove_item: &'static str,
    /// "Added to the next delivery: {title}."
    pub addon_added: &'static str,
    /// "Removed from the next delivery: {title}."
    pub addon_removed: &'static str,
    /// "Birthday"
    pub birthday: &'static str,
    /// The change limit, said before saving
    pub birthday_hint: &'static str,
    /// "Not set"
    pub not_set: &'static str,
    /// "Birthday reward: {points} on {date}"
    pub birthday_reward: &'static str,
    /// "Every {unit}"
    pub every_one: &'static str,
    /// "Every {unit}"
    pub every_one_fem: &'static str,
    /// "Every {count} {unit}"
    pub every_many: &'static str,
}

/// English.
pub static EN: Texts = Texts {
    point: Forms {
        one: "point",
        few: "points",
        many: "points",
        other: "points",
    },
    day: Forms {
        one: "day",
        few: "days",
        many: "days",
        other: "days",
    },
    every_day: Forms {
        one: "day",
        few: "days",
        many: "days",
        other: "days",
    },
    every_week: Forms {
        one: "week",
        few: "weeks",
        many: "weeks",
        other: "weeks",
    },
    every_month: Forms {
        one: "month",
        few: "months",
        many: "months",
        other: "months",
    },
    loading: "Loading…",
    error_title: "Something went wrong.",
    try_again: "Try again",
    offline: "You are offline. We will update this when you are back online.",
    network_error: "Could not reach the shop. Check your connection and try again.",
    session_expired: "Your session has ended. Reload the page to sign in again.",
    err_generic: "That did not work. Try again later.",
    err_insufficient_points: "You do not have enough points for this reward.",
    err_reward_not_found: "This reward is no longer offered.",
    err_not_found: "This is no longer there. Reload the page to see what is.",
    err_invalid_state: "This subscription cannot be changed that way right now.",
    err_subscription_locked: "The next delivery is already being prepared; you can change it after it ships.",
    err_precondition_failed: "Your settings were changed elsewhere. Reload the page to see them.",
    err_validation_failed: "Some of the values are not accepted. Check them and try again.",
    err_rate_limited: "Too many attempts. Wait a moment and try again.",
    err_unavailable: "The shop is busy right now. Try again in a moment.",
    h_loyalty: "Your points",
    h_subscriptions: "Your subscriptions",
    h_preferences: "Contact preferences",
    balance: "Balance",
    pending: "{points} pending",
    available_on: "{points} available from {date}",
    tier: "Tier",
    next_tier: "{points} to {tier}",
    top_tier: "You are at the top tier.",
    held_until: "Tier held until {date}",
    expiring: "Points expiring",
    expire_on: "{points} expire on {date}",
    nothing_expires: "None of your points are due to expire.",
    add_to_calendar: "Add reminder to calendar",
    ics_summary: "{points} expire today",
    ics_description: "Use them before they expire.",
    rewards: "Rewards",
    no_rewards: "No rewards yet.",
    redeem: "Redeem",
    redeem_label: "Redeem {name}",
    confirm_redeem: "Spend {points} on {name}?",
    confirm: "Confirm",
    keep_points: "Keep my points",
    more_needed: "{points} more needed",
    your_code: "Your code for {name}:",
    copy_code: "Copy code",
    copied: "Copied",
    your_codes: "Your codes",
    launcher_title: "Your rewards",
    launcher_label: "Your rewards: {points}",
    close: "Close",
    copy_code_of: "Copy code {code}",
    copy: "Copy",
    code_used: "Used on {date}",
    code_unused: "Not used yet",
    tier_progress: "Progress to {tier}",
    all_expiries: "Show all {count} dates",
    redeemed: "{points} spent. Your balance is now {balance}.",
    show_activity: "Show activity",
    show_more: "Show more",
    activity: "Activity",
    no_activity: "No activity yet.",
    no_subscriptions: "You have no subscriptions.",
    status_active: "Active",
    status_paused: "Paused until {date}",
    status_cancelled: "Cancelled",
    next_delivery: "Next delivery: {date}",
    per_delivery: "{quantity} × {price} per delivery",
    discount: "{percent}% off",
    skip: "Skip next delivery",
    pause: "Pause",
    resume: "Resume",
    change_frequency: "Change frequency",
    reschedule: "Reschedule",
    swap: "Swap product",
    change_quantity: "Change quantity",
    cancel_subscription: "Cancel subscription",
    reactivate: "Reactivate",
    resume_on: "Resume on",
    frequency: "Frequency",
    next_delivery_label: "Next delivery",
    product: "Product",
    quantity: "Quantity",
    back: "Back",
    skipped: "Delivery skipped. Next delivery: {date}.",
    paused: "Paused until {date}.",
    resumed: "Resumed. Next delivery: {date}.",
    changed: "Saved. Next delivery: {date}.",
    cancelled: "Your subscription is cancelled.",
    reactivated: "Reactivated. Next delivery: {date}.",
    offer_taken: "Thank you for staying.",
    undo: "Undo",
    undone: "Undone.",
    locked: "Your delivery of {date} is being prepared, so changes are closed until {time}.",
    locked_overdue: "Your delivery is being processed. Changes open again once it has been charged.",
    cancel_title: "Why are you cancelling?",
    lose_title: "If you cancel now:",
    lose_tier: "you are a {tier} member: keep ordering to hold your tier",
    lose_points: "{points} expire on {date}: spend them first",
    lose_deliveries: "no more deliveries of {title}",
    comment: "Anything else? (optional)",
    reason: "Reason",
    cancel_now: "Cancel now",
    keep_subscription: "Keep subscription",
    offer_skip: "Skip the next delivery instead",
    offer_pause: "Pause for {days} instead",
    offer_discount: "Get {percent}% off instead",
    channels: "Channels",
    fallback_order: "Fallback order",
    fallback_hint: "If a message cannot go out on one channel, we try the next.",
    move_up: "Move {name} up",
    move_down: "Move {name} down",
    email: "Email",
    sms: "SMS",
    whatsapp: "WhatsApp",
    telegram: "Telegram",
    viber: "Viber",
    push: "Push notifications",
    topics: "Topics",
    promotions: "Promotions",
    reward_updates: "Reward updates",
    new_products: "New products",
    recommendations: "Recommendations",
    order_updates: "Order updates",
    subscription_updates: "Subscription updates",
    always_on: "always on",
    per_week: "Messages per week",
    how_often: "How often and when",
    no_limit: "No limit",
    quiet_hours: "Quiet hours",
    from: "From",
    to: "To",
    time_zone: "Time zone",
    reminders: "Expiry reminders",
    days_before: "{days} before",
    up_to_three: "Choose up to three.",
    save: "Save preferences",
    saved: "Preferences saved",
    conflict: "Your preferences were changed elsewhere. We loaded the latest ones: please check them and save again.",
    snooze: "Snooze marketing",
    snooze_for: "Snooze for {days}",
    snoozed: "Marketing paused until {date}",
    resume_messages: "Resume messages",
    unsubscribe_all: "Unsubscribe from all marketing",
    unsubscribed: "You are unsubscribed from all marketing. Order and subscription updates still arrive.",
    subscribe_again: "Subscribe again",
    err_birthday_locked: "Your birthday was set or changed less than a year ago, so it cannot be changed yet.",
    add_onetime: "Add to next delivery",
    onetime: "Also in the next delivery",
    remove: "Remove",
    remove_item: "Remove {title}",
    addon_added: "Added to the next delivery: {title}.",
    addon_removed: "Removed from the next delivery: {title}.",
    birthday: "Birthday",
    birthday_hint: "For your birthday reward. Once set, it can be changed at most once a year.",
    not_set: "Not set",
    birthday_reward: "Birthday reward: {points} on {date}",
    every_one: "Every {unit}",
    every_one_fem: "Every {unit}",
    every_many: "Every {count} {unit}",
};

/// Russian.
pub static RU: Texts = Texts {
    point: Forms {
        one: "балл",
        few: "балла",
        many: "баллов",
        other: "балла",
    },
    day: Forms {
        one: "день",
        few: "дня",
        many: "дней",
        other: "дня",
    },
    every_day: Forms {
        one: "день",
        few: "дня",
        many: "дней",
        other: "дня",
    },
    every_week: Forms {
        one: "неделю",
        few: "недели",
        many: "недель",
        other: "недели",
    },
    every_month: Forms {
        one: "месяц",
        few: "месяца",
        many: "месяцев",
        other: "месяца",
    },
    loading: "Загрузка…",
    error_title: "Что-то пошло не так.",
    try_again: "Повторить",
    offline: "Нет соединения с интернетом. Обновим, когда оно появится.",
    network_error: "Не удалось связаться с магазином. Проверьте соединение и попробуйте ещё раз.",
    session_expired: "Сессия закончилась. Обновите страницу, чтобы войти снова.",
    err_generic: "Не получилось. Попробуйте позже.",
    err_insufficient_points: "Для этой награды не хватает баллов.",
    err_reward_not_found: "Эта награда больше не предлагается.",
    err_not_found: "Этого уже нет. Обновите страницу, чтобы увидеть, что есть.",
    err_invalid_state: "Сейчас эту подписку нельзя изменить таким образом.",
    err_subscription_locked: "Следующая доставка уже собирается; изменить её можно будет после отправки.",
    err_precondition_failed: "Настройки изменились в другом месте. Обновите страницу, чтобы их увидеть.",
    err_validation_failed: "Некоторые значения не подходят. Проверьте их и попробуйте снова.",
    err_rate_limited: "Слишком много попыток. Подождите немного и попробуйте снова.",
    err_unavailable: "Магазин сейчас занят. Попробуйте чуть позже.",
    h_loyalty: "Ваши баллы",
    h_subscriptions: "Ваши подписки",
    h_preferences: "Настройки уведомлений",
    balance: "Баланс",
    pending: "{points} в ожидании",
    available_on: "{points} станут доступны {date}",
    tier: "Уровень",
    next_tier: "Ещё {points} до уровня «{tier}»",
    top_tier: "У вас высший уровень.",
    held_until: "Уровень сохранится до {date}",
    expiring: "Сгорание баллов",
    expire_on: "{points} сгорят {date}",
    nothing_expires: "Ваши баллы не сгорают.",
    add_to_calendar: "Добавить напоминание в календарь",
    ics_summary: "Сегодня сгорают {points}",
    ics_description: "Потратьте их, пока они не сгорели.",
    rewards: "Награды",
    no_rewards: "Наград пока нет.",
    redeem: "Обменять",
    redeem_label: "Обменять: {name}",
    confirm_redeem: "Потратить {points} на «{name}»?",
    confirm: "Подтвердить",
    keep_points: "Оставить баллы",
    more_needed: "Нужно ещё {points}",
    your_code: "Ваш код на «{name}»:",
    copy_code: "Скопировать код",
    copied: "Скопировано",
    your_codes: "Ваши коды",
    launcher_title: "Ваши бонусы",
    launcher_label: "Ваши бонусы: {points}",
    close: "Закрыть",
    copy_code_of: "Скопировать код {code}",
    copy: "Скопировать",
    code_used: "Использован {date}",
    code_unused: "Ещё не использован",
    tier_progress: "Прогресс до уровня «{tier}»",
    all_expiries: "Показать все даты ({count})",
    redeemed: "Списано {points}. Теперь на счёте {balance}.",
    show_activity: "Показать историю",
    show_more: "Показать ещё",
    activity: "История",
    no_activity: "Пока ничего не происходило.",
    no_subscriptions: "У вас нет подписок.",
    status_active: "Активна",
    status_paused: "Приостановлена до {date}",
    status_cancelled: "Отменена",
    next_delivery: "Следующая доставка: {date}",
    per_delivery: "{quantity} × {price} за доставку",
    discount: "Скидка {percent}%",
    skip: "Пропустить доставку",
    pause: "Приостановить",
    resume: "Возобновить",
    change_frequency: "Изменить частоту",
    reschedule: "Перенести",
    swap: "Заменить товар",
    change_quantity: "Изменить количество",
    cancel_subscription: "Отменить подписку",
    reactivate: "Возобновить подписку",
    resume_on: "Возобновить с",
    frequency: "Частота",
    next_delivery_label: "Следующая доставка",
    product: "Товар",
    quantity: "Количество",
    back: "Назад",
    skipped: "Доставка пропущена. Следующая: {date}.",
    paused: "Подписка приостановлена до {date}.",
    resumed: "Подписка возобновлена. Следующая доставка: {date}.",
    changed: "Сохранено. Следующая доставка: {date}.",
    cancelled: "Подписка отменена.",
    reactivated: "Подписка снова активна. Следующая доставка: {date}.",
    offer_taken: "Спасибо, что остаётесь с нами.",
    undo: "Отменить",
    undone: "Изменение отменено.",
    locked: "Доставка {date} уже собирается, поэтому изменения недоступны до {time}.",
    locked_overdue: "Доставка обрабатывается. Изменения станут доступны после оплаты.",
    cancel_title: "Почему вы хотите отменить подписку?",
    lose_title: "Если отменить сейчас:",
    lose_tier: "у вас уровень «{tier}»: без заказов его можно потерять",
    lose_points: "{points} сгорят {date}: потратьте их раньше",
    lose_deliveries: "доставки «{title}» прекратятся",
    comment: "Что-нибудь ещё? (необязательно)",
    reason: "Причина",
    cancel_now: "Отменить сейчас",
    keep_subscription: "Оставить подписку",
    offer_skip: "Вместо этого пропустить доставку",
    offer_pause: "Вместо этого приостановить на {days}",
    offer_discount: "Вместо этого получить скидку {percent}%",
    channels: "Каналы",
    fallback_order: "Порядок каналов",
    fallback_hint: "Если сообщение не удалось отправить по одному каналу, пробуем следующий.",
    move_up: "Поднять {name}",
    move_down: "Опустить {name}",
    email: "Эл. почта",
    sms: "SMS",
    whatsapp: "WhatsApp",
    telegram: "Telegram",
    viber: "Viber",
    push: "Push-уведомления",
    topics: "Темы",
    promotions: "Акции",
    reward_updates: "Новости о наградах",
    new_products: "Новинки",
    recommendations: "Рекомендации",
    order_updates: "Статус заказов",
    subscription_updates: "Статус подписок",
    always_on: "всегда включено",
    per_week: "Сообщений в неделю",
    how_often: "Как часто и когда",
    no_limit: "Без ограничений",
    quiet_hours: "Тихие часы",
    from: "С",
    to: "До",
    time_zone: "Часовой пояс",
    reminders: "Напоминания о сгорании",
    days_before: "За {days}",
    up_to_three: "Можно выбрать до трёх.",
    save: "Сохранить настройки",
    saved: "Настройки сохранены",
    conflict: "Настройки изменились в другом месте. Мы загрузили актуальные: проверьте их и сохраните снова.",
    snooze: "Пауза в рассылках",
    snooze_for: "Пауза на {days}",
    snoozed: "Рассылки на паузе до {date}",
    resume_messages: "Возобновить рассылки",
    unsubscribe_all: "Отписаться от всех рассылок",
    unsubscribed: "Вы отписаны от всех рассылок. Сообщения о заказах и подписках продолжат приходить.",
    subscribe_again: "Подписаться снова",
    err_birthday_locked: "День рождения указали или меняли меньше года назад, поэтому изменить его пока нельзя.",
    add_onetime: "Добавить к следующей доставке",
    onetime: "Также в следующей доставке",
    remove: "Убрать",
    remove_item: "Убрать: {title}",
    addon_added: "Добавлено в следующую доставку: {title}.",
    addon_removed: "Убрано из следующей доставки: {title}.",
    birthday: "День рождения",
    birthday_hint: "Для подарка ко дню рождения. После того как вы его укажете, менять его можно не чаще раза в год.",
    not_set: "Не указан",
    birthday_reward: "Подарок ко дню рождения: {points} {date}",
    every_one: "Каждый {unit}",
    every_one_fem: "Каждую {unit}",
    every_many: "Каждые {count} {unit}",
};
