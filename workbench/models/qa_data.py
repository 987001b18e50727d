"""Synthetic extractive QA: short company profiles with a distractor company.

Each context states the same kinds of facts (founder, headquarters, founding date,
CEO, acquirer, price) about two invented companies, so a question is only answered by
reading which company it asks about. Entity values come from the NER recipe's
generator of invented names.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.models.ner import Generator

FACTS = {
    "founder": ["{founder} founded {org} in {date}.", "{org} was founded by {founder} in {date}.",
                "In {date}, {founder} started {org}."],
    "city": ["{org} is headquartered in {city}.", "{org} has its head office in {city}.",
             "The headquarters of {org} are in {city}."],
    "ceo": ["{ceo} is the chief executive of {org}.", "{org} is run by chief executive {ceo}.",
            "{org} named {ceo} as its CEO."],
    "deal": ["{acquirer} bought {org} for {price}.",
             "{acquirer} agreed to acquire {org} for {price}.",
             "{org} was sold to {acquirer} for {price}."],
}
QUESTIONS = {
    "founder": ["Who founded {org}?", "Who started {org}?", "Who is the founder of {org}?"],
    "date": ["When was {org} founded?", "In what year was {org} founded?"],
    "city": ["Where is {org} headquartered?", "Where is {org} based?"],
    "ceo": ["Who is the CEO of {org}?", "Who runs {org}?"],
    "acquirer": ["Which company acquired {org}?", "Who bought {org}?"],
    "price": ["How much was paid for {org}?", "What price was paid for {org}?"],
}
ANSWER_OF = {"founder": "founder", "date": "date", "city": "city", "ceo": "ceo",
             "acquirer": "acquirer", "price": "price"}
FACT_OF = {"founder": "founder", "date": "founder", "city": "city", "ceo": "ceo",
           "acquirer": "deal", "price": "deal"}


@dataclass(frozen=True)
class Sample:
    question: str
    context: str
    answer_start: int
    answer: str


def _company(gen: Generator) -> dict[str, str]:
    return {"org": gen.entity("ORG"), "founder": gen.entity("PERSON"),
            "date": str(gen.rng.randint(1950, 2023)) if gen.rng.random() < 0.5
            else gen.entity("DATE"), "city": gen.entity("GPE"), "ceo": gen.entity("PERSON"),
            "acquirer": gen.entity("ORG"), "price": gen.entity("MONEY")}


def _render(template: str, values: dict[str, str]) -> tuple[str, dict[str, int]]:
    """Fill a template; return the text and where each slot's value starts."""
    text, where, rest = "", {}, template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        text += before
        where[slot] = len(text)
        text += values[slot]
    return text + rest, where


def samples(seed: int, count: int) -> list[Sample]:
    """Contexts state all four kinds of fact about one company and two about a
    distractor, shuffled together; questions ask only about what a context states."""
    gen = Generator(seed)
    rng = gen.rng
    out: list[Sample] = []
    while len(out) < count:
        companies = [_company(gen), _company(gen)]
        stated = {0: list(FACTS), 1: rng.sample(list(FACTS), 2)}
        sentences = [(rng.choice(FACTS[fact]), companies[i], fact)
                     for i in (0, 1) for fact in stated[i]]
        rng.shuffle(sentences)
        context, positions = "", {}
        for template, company, fact in sentences:
            text, where = _render(template, company)
            offset = len(context) + (1 if context else 0)
            context = f"{context} {text}" if context else text
            positions[(company["org"], fact)] = {k: offset + v for k, v in where.items()}
        for _ in range(3):
            index = rng.choice((0, 0, 1))
            company = companies[index]
            kind = rng.choice([k for k in QUESTIONS if FACT_OF[k] in stated[index]])
            question = rng.choice(QUESTIONS[kind]).format(org=company["org"])
            slot = ANSWER_OF[kind]
            start = positions[(company["org"], FACT_OF[kind])][slot]
            out.append(Sample(question, context, start, company[slot]))
    return out[:count]
