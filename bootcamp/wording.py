"""French on screen: « de » or « d' » before a name, and the French plural of the messages.

Elision: « de » becomes « d' » before a vowel sound. We elide before a vowel, with or without an accent or a
capital (« d'Étienne », « d'Alfred », « d'Œdipe »), and before a Y followed by a consonant, which is heard as
« i » (« d'Yves », « d'Ysaline »; but « de Yann », « de Yacine », whose Y is heard as a consonant). We do not
elide before H: whether an h is mute (« d'Hélène ») or aspirated (« de Hugues ») depends on each name, and
« de Hélène » reads better than « d'Hallyday »: a choice, written here and in the README.

Plurals: the messages are written in French, so where a language has no translation of a message (French
always), its singular and plural are chosen by the French rule: 0 and 1 take the singular (« 0 apprenant·e »,
« 1 création », « 2 créations »). A translation brings its own rule (English: 1 only).
"""

import gettext
import unicodedata

from babel import support
from flask import Flask
from flask_babel import Domain
from flask_babel import gettext as _

VOWELS = frozenset("aeiouæœ")


def base_letter(character: str) -> str:
    """The letter without its accent, in lower case (« É » → « e »)."""
    return unicodedata.normalize("NFD", character)[:1].lower()


def elides(word: str) -> bool:
    """Whether « de » (« le », « que »...) loses its vowel before `word`: see the module's rule."""
    word = word.strip()
    if not word:
        return False
    first = base_letter(word[0])
    if first in VOWELS:
        return True
    return first == "y" and len(word) > 1 and base_letter(word[1]).isalpha() and base_letter(word[1]) not in VOWELS


def of_name(name: str) -> str:
    """« de Marc », « d'Étienne » (« of Marc » in English): for messages such as « Situation %(of_name)s »."""
    return _("d'%(name)s", name=name) if elides(name) else _("de %(name)s", name=name)


def french_plural(count: int) -> int:
    """The form of a French message for `count`: 0 for the singular (0 and 1), 1 for the plural (CLDR: fr)."""
    return 0 if abs(count) < 2 else 1


class FrenchSource(support.NullTranslations):
    """The last fallback of every catalogue: a message nobody translated is shown in French, the language it is
    written in, so it takes the French plural (gettext's own default gives « 0 apprenant·es »)."""

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return plural if french_plural(count) else singular

    ungettext = ngettext

    def npgettext(self, context: str, singular: str, plural: str, count: int) -> str:
        return self.ngettext(singular, plural, count)

    unpgettext = npgettext


FRENCH_SOURCE = FrenchSource()


class Messages(Domain):
    """Flask-Babel's catalogues, each ending with the French source (FrenchSource)."""

    def get_translations(self) -> gettext.NullTranslations:
        translations = super().get_translations()
        if isinstance(translations, gettext.GNUTranslations) and translations._fallback is None:
            translations.add_fallback(FRENCH_SOURCE)  # once per cached catalogue
        return translations


def init_app(app: Flask) -> None:
    """Make Flask-Babel's catalogues (Python and templates) end with the French source."""
    configuration = app.extensions["babel"]
    babel = configuration.instance
    if not isinstance(babel.__dict__.get("domain_instance"), Messages):
        babel.domain_instance = Messages(domain=configuration.default_domain)
