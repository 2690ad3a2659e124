// An ordinary handler whose dependency is trojaned (T10): `analytics-helper` steals the credentials at require
// time (init phase); `intl-pack`, loaded lazily for some locales, starts a process when it is first required.
require('analytics-helper');

exports.handler = async (event) => {
  const locale = event.locale || 'en';
  if (locale !== 'en') {
    try {
      require('intl-pack');
    } catch (e) {
      return { locale, error: e.message, code: e.code };
    }
  }
  return { locale, greeting: locale === 'de' ? 'Hallo' : 'Hello' };
};
