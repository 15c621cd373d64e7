/*
 * Interface text of the learner's journey in Khmer: who is logged in, the end of a course, a pre-test's
 * result, language names, offline reading. Drafts awaiting review by a native speaker (docs/i18n.md). A
 * format entry keeps the same conversions, in the same order, in both languages.
 */
#include "lib/i18n.h"
#include "server/h_learn.h"

static const struct msg journey_msgs[] = {
    {"English", "អង់គ្លេស"},
    {"Khmer", "ខ្មែរ"},
    {"Logged in as", "បានចូលប្រព័ន្ធជា"},
    {"Review the course", "មើលវគ្គសិក្សាឡើងវិញ"},
    {"You scored %s. This is your starting point: the course will take you further.",
     "អ្នកទទួលបាន %s។ នេះជាចំណុចចាប់ផ្ដើមរបស់អ្នក៖ វគ្គសិក្សានេះនឹងនាំអ្នកទៅមុខទៀត។"},
};

void journey_messages_register(void)
{
	i18n_register(journey_msgs, sizeof journey_msgs / sizeof journey_msgs[0]);
}
